/**
 * Reading stream views (ViewLayout.stream): their features are not stored rows but sliding windows merged from the
 * view's tiles at request time (tile-window.ts), the same range training computes (stream-training.ts). A read's
 * feature list is split once into stored and stream features (splitStream, kept beside the list like ReadShape);
 * per request each stream view's state and its entities' tile hashes are asked for in one script call
 * (stream-view-texts.lua), in the same event-loop turn as the stored rows' MGET, so they leave together: one round
 * trip. Only the states of the requested features' tiles are parsed and folded (tile-window.ts).
 *
 * Statuses and times of a stream value (documented in the README, "Streaming features"):
 *   PRESENT          a value (count and count_distinct are 0, not missing, for an entity without events in the
 *                    window: what training computes for it too)
 *   NOT_FOUND        null: no qualifying event in the window (sum, avg, min, max, last; stddev with fewer than 2)
 *   OUTSIDE_MAX_AGE  every value of the view, null or not, when it declares freshness.maxStaleness and its consumer
 *                    was last caught up longer ago than that, or never ran; the value is still returned
 *   event timestamp  the view's watermark (the newest event applied to its tiles), capped at the request time: the
 *                    latest event time the value can include, what a Feast client reads as the value's age.
 *                    0 (1970) for NOT_FOUND, as for stored features.
 */
import { NotFoundError } from '../registry/errors.js';
import type { RedisClient } from './connection.js';
import { streamStateKey, streamTilesKey } from './keys.js';
import { encodeEntityRows } from './read-plan.js';
import type { SendBatched } from './read-batch.js';
import { streamViewTexts } from './scripts.js';
import { windowSpan, windowValuesOf, type WindowSelection, type WindowSpec } from './tile-window.js';
import type { FeatureValue } from './tile-codec.js';
import type { FeatureColumn, FeatureStatus, JsonValue, OnlineReadRequest, StreamLayout, ViewLayout } from './types.js';

type Features = OnlineReadRequest['features'];

interface StreamViewRead {
  layout: ViewLayout;
  stream: StreamLayout;
  stateKey: string;
  spec: WindowSpec;
  /** The view's features and windows this feature list reads: only their tiles' states are parsed and folded. */
  selection: WindowSelection;
}

/** What a feature list alone decides about its stream features. */
export interface StreamSplit {
  /** The stored features in request order: one array per split, so the store's ReadShape of it is cached too. */
  stored: Features;
  /** Request index of each stored feature. */
  storedAt: number[];
  /** Request index of each stream feature. */
  streamAt: number[];
  /** Distinct stream views, in order of first use. */
  views: StreamViewRead[];
  /** Per stream feature: its view (into views), its aggregation feature and window. */
  streamView: number[];
  streamColumn: Array<StreamLayout['columns'][number]>;
}

/** undefined when no feature of the list is a stream view's (the read is then the stored read alone). */
export function splitStream(features: Features, prefix: string): StreamSplit | undefined {
  if (!features.some((f) => f.layout.stream !== undefined)) return undefined;
  const split: StreamSplit = { stored: [], storedAt: [], streamAt: [], views: [], streamView: [], streamColumn: [] };
  const stored: Array<Features[number]> = [];
  const viewIndex = new Map<string, number>();
  const selected: Array<{ features: Set<number>; windows: Set<number> }> = [];
  features.forEach((requested, i) => {
    const { layout, feature } = requested;
    const stream = layout.stream;
    if (!stream) {
      stored.push(requested);
      split.storedAt.push(i);
      return;
    }
    const column = stream.columns[layout.features.indexOf(feature)];
    if (!column) throw new NotFoundError(`feature view "${layout.view}" has no feature "${feature}"`);
    const id = `${layout.project}:${layout.view}`;
    let v = viewIndex.get(id);
    if (v === undefined) {
      v = split.views.push({
        layout,
        stream,
        stateKey: streamStateKey(prefix, layout.project, layout.view),
        spec: { kinds: stream.kinds, windowMicros: stream.windowMicros, tileMicros: stream.tileMicros },
        selection: { features: [], windows: [] },
      }) - 1;
      viewIndex.set(id, v);
    }
    const used = (selected[v] ??= { features: new Set(), windows: new Set() });
    used.features.add(column.feature);
    used.windows.add(column.window);
    split.streamAt.push(i);
    split.streamView.push(v);
    split.streamColumn.push(column);
  });
  split.stored = stored;
  const ascending = (set: Set<number>): number[] => [...set].sort((a, b) => a - b);
  split.views.forEach((view, v) => {
    const used = selected[v] as (typeof selected)[number];
    view.selection = { features: ascending(used.features), windows: ascending(used.windows) };
  });
  return split;
}

function number(text: string | null | undefined): number {
  const n = Number(text ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** A finalized value as the API returns values: non-finite floats as "NaN" / "Infinity" / "-Infinity". */
function jsonValue(value: FeatureValue): JsonValue {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

/**
 * The stream features' columns (split.streamAt order) for `rows` entity rows at `nowMs`. All commands (one per view)
 * are issued before the first await, so they leave with the stored read's MGET; `send` (standalone Redis) sends them
 * outside auto-pipelining, as that MGET goes.
 */
export async function readStreamColumns(
  client: RedisClient,
  prefix: string,
  split: StreamSplit,
  entities: OnlineReadRequest['entities'],
  rows: number,
  nowMs: number,
  send?: SendBatched,
): Promise<FeatureColumn[]> {
  const nowMicros = nowMs * 1000;
  const pending = split.views.map((v) => {
    const { project, view } = v.layout;
    const tileKeys = encodeEntityRows(entities, v.layout, rows).map((entityKey) => streamTilesKey(prefix, project, view, entityKey));
    return streamViewTexts(client, v.stateKey, tileKeys, send);
  });
  // One view (the usual request) is awaited as it is: Promise.all's promise, array and closures are garbage per read.
  const replies = pending.length === 1 ? [await (pending[0] as Promise<string[]>)] : await Promise.all(pending);
  const perView = split.views.map((v, i): ViewValues => {
    const reply = replies[i] as string[];
    const caughtUpAtMs = number(reply[0]);
    const lagging = v.stream.maxStalenessMs > 0 && (caughtUpAtMs === 0 || nowMs - caughtUpAtMs > v.stream.maxStalenessMs);
    const span = windowSpan(v.spec, v.selection, nowMicros);
    const values = new Array<FeatureValue[][]>(rows);
    for (let row = 0; row < rows; row++) values[row] = windowValuesOf(reply[row + 2] as string, v.spec, v.selection, span);
    return { lagging, eventMicros: Math.min(number(reply[1]), nowMicros), values };
  });
  const columns = new Array<FeatureColumn>(split.streamAt.length);
  for (let s = 0; s < columns.length; s++) {
    const { feature, window } = split.streamColumn[s] as StreamLayout['columns'][number];
    columns[s] = streamColumn(perView[split.streamView[s] as number] as ViewValues, feature, window, rows);
  }
  return columns;
}

/** One stream view's values of a read: values[row][feature][window]. */
interface ViewValues {
  lagging: boolean;
  eventMicros: number;
  values: FeatureValue[][][];
}

function streamColumn(view: ViewValues, feature: number, window: number, rows: number): FeatureColumn {
  if (rows === 1) {
    // Literals: each array made with its final elements kind (1 row: the usual request), where filling new Array(1)
    // moves it through kinds, a new backing store each (the columns were a third of a read's garbage).
    const value = valueAt(view, 0, feature, window);
    return { values: [value], statuses: [statusOf(view, value)], eventMicros: [value === null ? 0 : view.eventMicros] };
  }
  const values = new Array<JsonValue>(rows);
  const statuses = new Array<FeatureStatus>(rows);
  const eventMicros = new Array<number>(rows);
  for (let row = 0; row < rows; row++) {
    const value = valueAt(view, row, feature, window);
    values[row] = value;
    statuses[row] = statusOf(view, value);
    eventMicros[row] = value === null ? 0 : view.eventMicros;
  }
  return { values, statuses, eventMicros };
}

function valueAt(view: ViewValues, row: number, feature: number, window: number): JsonValue {
  return jsonValue((view.values[row] as FeatureValue[][])[feature]?.[window] ?? null);
}

function statusOf(view: ViewValues, value: JsonValue): FeatureStatus {
  if (view.lagging) return 'OUTSIDE_MAX_AGE';
  return value === null ? 'NOT_FOUND' : 'PRESENT';
}

/** The request's columns in request order, from the stored and the stream features' columns. */
export function mergeColumns(split: StreamSplit, stored: readonly FeatureColumn[], streamed: readonly FeatureColumn[]): FeatureColumn[] {
  const out = new Array<FeatureColumn>(split.storedAt.length + split.streamAt.length);
  split.storedAt.forEach((at, i) => (out[at] = stored[i] as FeatureColumn));
  split.streamAt.forEach((at, i) => (out[at] = streamed[i] as FeatureColumn));
  return out;
}
