/**
 * `materializeView`: the latest row per entity of one view, from DuckDB to the online store.
 * DuckDB encodes (see engine/json-encoding.ts); here rows only change shape and go out in bounded batches,
 * with one batch written while the next is read, so neither side waits long for the other.
 */
import type { EngineContext } from '../engine/context.js';
import { exportLatestRows } from '../engine/latest.js';
import { exportLatestFrames } from '../engine/latest-frames.js';
import type { ValidationReport } from '../engine/validation/types.js';
import type { RuleResult } from '../engine/validation/types.js';
import { FeatureflowError } from '../registry/errors.js';
import { findView } from '../registry/features.js';
import { streamSourceOf, StreamViewNotMaterializedError } from '../registry/stream-view.js';
import type { FeatureView } from '../registry/schema.js';
import { viewLayout } from '../online/layout.js';
import type { EncodedRow, OnlineStore, WriteResult } from '../online/types.js';

export interface MaterializeDeps {
  ctx: EngineContext;
  store: OnlineStore;
}

export interface MaterializeProgress {
  view: string;
  rowsDone: number;
  /** An estimate until the export knows every partition's size. */
  rowsTotal: number;
  done: boolean;
}

export interface MaterializeOptions {
  batchRows?: number;
  onProgress?: (progress: MaterializeProgress) => void;
  /**
   * Only move an existing watermark, never record a first one. Backfill chunks finish out of order: a later chunk
   * recording the first watermark would make incremental runs skip the earlier chunks still to come.
   */
  onlyAdvanceWatermark?: boolean;
}

export interface ViewMaterialization {
  view: string;
  start: string | undefined;
  end: string;
  /** Latest rows read from the offline data (one per entity). */
  rowsRead: number;
  keysWritten: number;
  /** Keys whose stored value was as new or newer: left alone. */
  keysSkippedOlder: number;
  /** Rows whose TTL had run out already: not written. */
  keysSkippedExpired: number;
  /** Newest event time written, ISO-8601, if any. */
  newestEvent: string | undefined;
  /** Failed `warn` validation rules (a failed `block` rule throws VALIDATION_FAILED before any key is written). */
  validationWarnings?: RuleResult[];
}

const MAX_IN_FLIGHT = 2;
// Rendered groups are ~2000 rows each: a few in flight keep Redis busy while DuckDB hands over the next.
const FRAMES_IN_FLIGHT = 4;

/**
 * The online views to materialize: the ones named (each must exist, be online and not read a stream source), or all
 * online views but those on a stream source (served from their tiles, see StreamViewNotMaterializedError).
 */
export function selectOnlineViews(deps: MaterializeDeps, names: readonly string[] | undefined): FeatureView[] {
  const { repo } = deps.ctx;
  if (!names || names.length === 0) return repo.featureViews.filter((v) => v.online && !streamSourceOf(repo, v));
  return names.map((name) => {
    const view = findView(repo, name);
    if (!view.online) {
      throw new FeatureflowError('VIEW_NOT_ONLINE', `feature view "${name}" has online: false; it is not materialized`);
    }
    const stream = streamSourceOf(repo, view);
    if (stream) throw new StreamViewNotMaterializedError(name, stream.name);
    return view;
  });
}

export async function materializeView(
  deps: MaterializeDeps,
  view: FeatureView,
  start: Date | undefined,
  end: Date,
  options: MaterializeOptions = {},
): Promise<ViewMaterialization> {
  const { repo } = deps.ctx;
  const layout = viewLayout(repo, view.name);
  const schemaId = await deps.store.registerLayout(layout);
  const result: ViewMaterialization = {
    view: view.name,
    start: start?.toISOString(),
    end: end.toISOString(),
    rowsRead: 0,
    keysWritten: 0,
    keysSkippedOlder: 0,
    keysSkippedExpired: 0,
    newestEvent: undefined,
  };
  let newest = -Infinity;
  let total = 0;
  const inFlight: Array<Promise<void>> = [];
  const tallied = async (writing: Promise<WriteResult>): Promise<void> => {
    const written = await writing;
    result.keysWritten += written.written;
    result.keysSkippedOlder += written.skippedOlder;
    result.keysSkippedExpired += written.skippedExpired;
    options.onProgress?.({ view: view.name, rowsDone: result.rowsRead, rowsTotal: total, done: false });
  };
  const exportOptions = {
    start,
    end,
    ...(options.batchRows ? { batchRows: options.batchRows } : {}),
    onTotal: (n: number) => (total = n),
    onValidated: (report: ValidationReport) => {
      const warnings = report.results.filter((r) => r.failed > 0);
      if (warnings.length > 0) result.validationWarnings = warnings;
    },
  };
  // Each write is observed at once so a failure while the next batch is read is not an unhandled rejection; the
  // oldest is awaited once `limit` are pending: bounded memory, and a failed write stops the export.
  const pend = async (pending: Promise<void>, limit: number): Promise<void> => {
    pending.catch(() => undefined);
    inFlight.push(pending);
    if (inFlight.length >= limit) await inFlight.shift();
  };
  const template = deps.store.rowFrameTemplate?.(layout, schemaId, Date.now());
  const writeFrames = deps.store.writeFrames?.bind(deps.store);
  if (template && writeFrames) {
    // The store's commands rendered by DuckDB (engine/row-frames.ts): Node only passes bytes on.
    await exportLatestFrames(deps.ctx, view, exportOptions, template, async (batch) => {
      if (batch.newestEventMicros > newest) newest = batch.newestEventMicros;
      result.rowsRead += batch.rows;
      await pend(tallied(writeFrames(layout, batch)), FRAMES_IN_FLIGHT);
    });
  } else {
    await exportLatestRows(deps.ctx, view, exportOptions, async (batch) => {
      // LatestRow has EncodedRow's shape: the batch goes to the store as it is.
      const rows: EncodedRow[] = batch;
      for (const row of rows) if (row.eventMicros > newest) newest = row.eventMicros;
      result.rowsRead += rows.length;
      await pend(tallied(deps.store.writeRows(layout, schemaId, rows)), MAX_IN_FLIGHT);
    });
  }
  await Promise.all(inFlight);
  if (newest > -Infinity) result.newestEvent = new Date(newest / 1000).toISOString();
  options.onProgress?.({ view: view.name, rowsDone: result.rowsRead, rowsTotal: result.rowsRead, done: true });
  return result;
}
