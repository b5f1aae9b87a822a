/**
 * Writing a checked frame: to the online store through the writer materialization uses (OnlineStore.writeRows:
 * newer-wins per key, an equal event time with a later created time replaces, TTL-expired rows skipped), and to
 * a push source's offline data as one new Parquet file. Everything is encoded before the first write, so a bad
 * value can never leave a request half written.
 */
import path from 'node:path';
import { appendPushedRows, type PushedColumn } from '../engine/pushed-append.js';
import { PUSHED_FOLDER } from '../engine/pushed-files.js';
import { viewLayout } from '../online/layout.js';
import { encodeEntityKey } from '../online/keys.js';
import { encodeValue } from '../online/value-codec.js';
import type { EncodedRow, JsonValue, OnlineStore, ViewLayout } from '../online/types.js';
import type { Dtype } from '../registry/dtypes.js';
import type { PushSource, Repo } from '../registry/schema.js';
import type { ApiContext } from './context.js';
import type { ViewFrame } from './push-frame.js';
import { callStore } from './store-call.js';
import { OfflineWriteError } from './errors.js';

export interface ViewWriteSummary {
  written: number;
  skippedOlder: number;
  skippedExpired: number;
}

export interface OnlineBatch {
  layout: ViewLayout;
  rows: EncodedRow[];
}

/**
 * The frame's rows of one view as EncodedRows, in the stored layout materialization writes (stored-value.ts): the
 * same key and value codecs as encodeRow, applied column by column, which saves building a per-value label on
 * the hot path of a push.
 */
export function encodeOnline(repo: Repo, frame: ViewFrame): OnlineBatch {
  const layout = viewLayout(repo, frame.view);
  // Each value's JSON text, column by column; a row's payload is then its columns' texts joined, which saves
  // building and stringifying one array per row.
  const texts = frame.features.map((f) => {
    const where = `${layout.view}.${f.name}`;
    return f.values.map((v) => jsonText(encodeValue(v, f.dtype, where)));
  });
  const rows: EncodedRow[] = new Array<EncodedRow>(frame.eventMicros.length);
  for (let i = 0; i < rows.length; i++) {
    const created = frame.createdMicros[i];
    let payload = '[';
    for (let c = 0; c < texts.length; c++) payload += c === 0 ? (texts[c] as string[])[i] : `,${(texts[c] as string[])[i]}`;
    rows[i] = {
      key: encodeEntityKey(frame.keys.map((k) => k.values[i]), layout.keyTypes, layout.joinKeys, i),
      eventMicros: Number(frame.eventMicros[i]),
      createdMicros: created === null || created === undefined ? null : Number(created),
      payload: `${payload}]`,
    };
  }
  return { layout, rows };
}

/** JSON.stringify of one encoded value, without its generic path for the common scalars. */
function jsonText(value: JsonValue): string {
  switch (typeof value) {
    case 'number':
      return String(value); // encodeValue turned non-finite numbers into strings already
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return value === null ? 'null' : JSON.stringify(value);
  }
}

// Schema keys are registered once per view and process, and again after this long: a Redis that lost its data
// (flushed, failed over without persistence) gets them back without a registration round trip on every push.
const REGISTER_EVERY_MS = 60_000;
const registered = new WeakMap<OnlineStore, Map<string, { schemaId: string; atMs: number }>>();

async function schemaIdFor(store: OnlineStore, layout: ViewLayout): Promise<string> {
  let byView = registered.get(store);
  if (!byView) registered.set(store, (byView = new Map()));
  const key = `${layout.project}\u0000${layout.view}\u0000${layout.features.join('\u0000')}`;
  const known = byView.get(key);
  if (known && Date.now() - known.atMs < REGISTER_EVERY_MS) return known.schemaId;
  const schemaId = await store.registerLayout(layout);
  byView.set(key, { schemaId, atMs: Date.now() });
  return schemaId;
}

export async function writeOnline(ctx: ApiContext, batch: OnlineBatch): Promise<ViewWriteSummary> {
  const { layout, rows } = batch;
  const result = await callStore(ctx, `writing ${rows.length} rows of "${layout.view}"`, async () =>
    ctx.store.writeRows(layout, await schemaIdFor(ctx.store, layout), rows),
  );
  ctx.metrics.rowsPushed(layout.view, 'online', rows.length);
  ctx.metrics.onlineRowsWritten(layout.view, result);
  return { written: result.written, skippedOlder: result.skippedOlder, skippedExpired: result.skippedExpired };
}

/**
 * The columns of a push source's offline rows: every view's join keys, the source's timestamp columns and every
 * view's features (a name two views share is written once, typed by the first view), in that order.
 */
export function offlineRows(source: PushSource, frames: readonly ViewFrame[]): { columns: PushedColumn[]; rows: unknown[][] } {
  const columns: PushedColumn[] = [];
  const values: (readonly unknown[])[] = [];
  const add = (name: string, dtype: Dtype | undefined, column: readonly unknown[]): void => {
    if (dtype === undefined || columns.some((c) => c.name === name)) return;
    columns.push({ name, dtype });
    values.push(column);
  };
  for (const frame of frames) for (const key of frame.keys) add(key.name, key.dtype, key.values);
  const first = frames[0];
  if (first) {
    add(source.timestampField, 'timestamp', first.eventMicros.map((micros) => ({ micros })));
    if (source.createdTimestampField) {
      add(source.createdTimestampField, 'timestamp', first.createdMicros.map((m) => (m === null ? null : { micros: m })));
    }
  }
  for (const frame of frames) for (const feature of frame.features) add(feature.name, feature.dtype, feature.values);
  const rowCount = first?.eventMicros.length ?? 0;
  const rows = Array.from({ length: rowCount }, (_, i) => values.map((column) => column[i]));
  return { columns, rows };
}

/** Appends the rows to the push source's offline data; returns the new file, relative to offlineStore.path. */
export async function writeOffline(ctx: ApiContext, source: PushSource, frames: readonly ViewFrame[]): Promise<string> {
  const { columns, rows } = offlineRows(source, frames);
  const engine = await ctx.offline.get();
  let file: string;
  try {
    file = await appendPushedRows(engine, source.name, columns, rows);
  } catch (err) {
    // The rows were checked already: what fails here is the disk or DuckDB (full, read-only, locked), so the client
    // should retry (503), and nothing was published (the temp file never becomes visible).
    throw new OfflineWriteError(`appending ${rows} pushed rows to "${source.name}" failed: ${(err as Error).message}`, err);
  }
  for (const frame of frames) ctx.metrics.rowsPushed(frame.view.name, 'offline', rows.length);
  return [PUSHED_FOLDER, source.name, path.basename(file)].join('/');
}
