// Materialization sends commands DuckDB rendered from the store's template (engine/row-frames.ts,
// online/frame-write.ts). They must be byte for byte the commands the JS path (write-plan.ts + fast-write.ts) sends
// for the same rows: same keys, values, expiries, RESP lengths in bytes, and the same rows left out as expired.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src/engine/database.js';
import { framesSql } from '../../../src/engine/row-frames.js';
import { literal } from '../../../src/engine/sql.js';
import { respCommand } from '../../../src/online/bulk-socket.js';
import { commandArgsAt, setNxFrameTemplate } from '../../../src/online/frame-write.js';
import type { EncodedRow, ViewLayout } from '../../../src/online/types.js';
import { planWrites } from '../../../src/online/write-plan.js';

let db: Database;
beforeAll(async () => {
  db = await Database.open({ threads: 2, memoryLimit: '256MB' });
});
afterAll(() => db?.close());

const NOW_MS = Date.UTC(2026, 0, 10);
const ROWS: EncodedRow[] = [
  // Expires exactly at NOW_MS with a 1-day TTL (the micros are floored away): left out, as at-or-before now.
  { key: 'i42', eventMicros: Date.UTC(2026, 0, 9) * 1000 + 7, createdMicros: null, payload: '[1.5,null,"NaN"]' },
  { key: 'i-7,sabc', eventMicros: Date.UTC(2026, 0, 9, 12) * 1000, createdMicros: Date.UTC(2026, 0, 9, 13) * 1000 + 1, payload: '["é👋",true]' },
  { key: 'h20e282ac', eventMicros: Date.UTC(2026, 0, 9, 23, 59, 59) * 1000 + 999_999, createdMicros: 0, payload: '[]' },
  // Before 1970: expiry floors toward -infinity in both (it has expired long ago when a TTL applies).
  { key: 'i1', eventMicros: -1_500, createdMicros: -3, payload: '[0]' },
  // Expired at NOW_MS with a 1-day TTL; written when there is no TTL.
  { key: 'i2', eventMicros: Date.UTC(2026, 0, 8, 12) * 1000, createdMicros: null, payload: '[2]' },
  ...Array.from({ length: 40 }, (_, i) => ({ key: `i${1000 + i}`, eventMicros: Date.UTC(2026, 0, 9, 6) * 1000 + i, createdMicros: i % 2 ? null : i, payload: `[${i / 3}]` })),
];

const layout = (ttlSeconds: number): ViewLayout => ({
  project: 'p',
  view: 'stats',
  features: ['a'],
  dtypes: ['float64'],
  joinKeys: ['user_id'],
  keyTypes: ['int64'],
  ttlSeconds,
});

/** What fast-write.ts sends for the rows: one RESP command each. */
function jsCommands(view: ViewLayout): string[] {
  const plan = planWrites(ROWS, { prefix: 'pre', layout: view, schemaId: 'abcd1234', nowMs: NOW_MS, batchSize: 1000, bySlot: false });
  return plan.batches.flatMap((b) =>
    b.keys.map((key, i) => {
      const pxat = b.argv[2 * i + 1] as string;
      const args = ['SET', key, b.argv[2 * i] as string, 'NX', 'GET'];
      return respCommand(pxat === '0' ? args : [...args, 'PXAT', pxat]);
    }),
  );
}

async function duckdbFrames(view: ViewLayout, rowsPerBatch: number): Promise<{ commands: string[]; bytes: number; count: number; rows: number; newest: number }> {
  const values = ROWS.map(
    (r) => `(${literal(r.key)}, CAST(${r.eventMicros} AS DOUBLE), CAST(${r.createdMicros ?? 'NULL'} AS DOUBLE), ${literal(r.payload)})`,
  );
  const encoded = `SELECT * FROM (VALUES ${values.join(', ')}) v(k, t, c, p)`;
  const template = setNxFrameTemplate('pre', view, 'abcd1234', NOW_MS);
  const sql = framesSql(encoded, ROWS.length, template, rowsPerBatch);
  const out = { commands: [] as string[], bytes: 0, count: 0, rows: 0, newest: -Infinity };
  await db.withConnection(async (conn) => {
    const reader = await conn.runAndReadAll(sql);
    for (const [frames, n, rows, newest] of reader.getRows()) {
      const bytes = frames === null ? new Uint8Array(0) : (frames as { bytes: Uint8Array }).bytes;
      const count = Number(n);
      out.bytes += bytes.length;
      out.count += count;
      out.rows += Number(rows);
      out.newest = Math.max(out.newest, Number(newest));
      out.commands.push(...commandArgsAt(bytes, Array.from({ length: count }, (_, i) => i)).map(respCommand));
    }
  });
  return out;
}

describe('DuckDB-rendered first-attempt writes', () => {
  it.each([
    ['with a TTL (PXAT, expired rows left out)', 86_400],
    ['without a TTL', 0],
  ])('are byte for byte the commands of the JS write path, %s', async (_name, ttl) => {
    const expected = jsCommands(layout(ttl));
    for (const rowsPerBatch of [1, 7, 1000]) {
      const got = await duckdbFrames(layout(ttl), rowsPerBatch);
      expect(got.rows).toBe(ROWS.length);
      expect(got.count).toBe(expected.length);
      expect([...got.commands].sort()).toEqual([...expected].sort());
      // Lengths were read from the frames' own prefixes: the bytes hold those commands and nothing else.
      expect(got.bytes).toBe(expected.reduce((n, c) => n + Buffer.byteLength(c), 0));
      expect(got.newest).toBe(Math.max(...ROWS.map((r) => r.eventMicros)));
    }
    if (ttl > 0) expect(expected.length).toBe(ROWS.length - 3);
  });
});
