/**
 * The latest row per entity of a view as ready-to-send frames (row-frames.ts): the same staging as exportLatestRows
 * (latest.ts), read back as a few hundred byte groups per million rows instead of a million JS objects.
 */
import { DuckDBBlobVector } from '@duckdb/node-api';
import type { FeatureView } from '../registry/schema.js';
import type { EngineContext } from './context.js';
import { exportLatest, type LatestRowsOptions } from './latest.js';
import { ident } from './sql.js';
import { framesSql, type FrameBatch, type RowFrameTemplate } from './row-frames.js';

/**
 * Streams the frames of the latest rows of `view` in [start, end) to `consume`, one group at a time; resolves with
 * the number of rows (expired ones included) once every group was consumed.
 */
export function exportLatestFrames(
  ctx: EngineContext,
  view: FeatureView,
  options: LatestRowsOptions,
  template: RowFrameTemplate,
  consume: (batch: FrameBatch) => Promise<void>,
): Promise<number> {
  return exportLatest(ctx, view, options, {
    // Rendered whole in the background, so DuckDB's part of a partition overlaps the writes of the one before.
    prepare: async (conn, encode, rows, scratch) => {
      await conn.run(`CREATE OR REPLACE TEMP TABLE ${ident(scratch)} AS ${framesSql(encode, rows, template, options.batchRows)}`);
      return `SELECT frames, n, rows, newest FROM ${ident(scratch)}`;
    },
    read: async (conn, sql, rows) => {
      if (rows === 0) return;
      const result = await conn.stream(sql);
      for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
        // Raw bytes of each group: no UTF-8 decoding into a JS string, nor encoding it again for the socket.
        const frames = chunk.getColumnVector(0);
        if (!(frames instanceof DuckDBBlobVector)) throw new TypeError(`frames column is ${frames.type.toString()}, not BLOB`);
        const counts = chunk.getColumnValues(1) as number[];
        const totals = chunk.getColumnValues(2) as number[];
        const newest = chunk.getColumnValues(3) as number[];
        for (let i = 0; i < chunk.rowCount; i++) {
          await consume({
            frames: frames.getItemBytes(i) ?? new Uint8Array(0),
            count: counts[i] as number,
            rows: totals[i] as number,
            newestEventMicros: newest[i] as number,
          });
        }
      }
    },
  });
}
