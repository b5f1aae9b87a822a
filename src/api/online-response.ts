/**
 * The response of `POST /get-online-features` as one JSON string. The store hands back values already in their
 * JSON form, so each column is stringified once, natively, and the pieces are concatenated: no intermediate
 * response object, no per-value encoding in JS (decoding dominates Feast's server, see PITFALLS).
 */
import type { FeatureColumn, FeatureStatus } from '../online/types.js';
import { floatColumnJson } from './float-json.js';
import type { ReadPlan } from './online-plan.js';
import { EPOCH_JSON, PRESENT_JSON, repeated, sameNumbers, timestampsJson } from './response-json.js';

export { EPOCH, formatEventTime } from './response-json.js';

export type StatusCounts = Record<FeatureStatus, number>;

/**
 * The JSON texts of one response column, one fragment (an array's items, without brackets) per slice of rows:
 * strings, or, for a body built in many slices, those strings already encoded (so no step encodes it all at once).
 */
interface ColumnParts {
  values: Fragment[];
  statuses: Fragment[];
  timestamps: Fragment[];
}

type Fragment = string | Buffer;
const COMMA = Buffer.from(',');

/** An array's JSON text without its brackets (arrays here are never empty). */
function items(json: string): string {
  return json.slice(1, -1);
}

/**
 * Builds the response body for `plan` from slices of rows, so a big request can be read and encoded a slice at a
 * time with other requests served in between: each slice's columns are stringified at once (natively), and the
 * final body is the slices' texts joined per column. With `encodeSlices` each slice's texts are encoded to UTF-8
 * as they are made, and finishBuffer() only copies bytes: encoding an 8 MB body in one go holds the loop ~5 ms.
 */
export class OnlineResponseBuilder {
  private rows = 0;
  private readonly keys: Fragment[][];
  private readonly columns: ColumnParts[] = [];

  constructor(
    private readonly plan: ReadPlan,
    private readonly encodeSlices = false,
  ) {
    this.keys = plan.entityKeys.map(() => []);
  }

  private fragment(json: string): Fragment {
    const text = items(json);
    return this.encodeSlices ? Buffer.from(text) : text;
  }

  /**
   * Adds the next slice: the request's entity columns for these rows and the feature columns (same order as the
   * plan's response columns). Adds the statuses served to `counts`.
   */
  add(entities: Readonly<Record<string, readonly unknown[]>>, columns: readonly FeatureColumn[], counts: StatusCounts): void {
    const { plan } = this;
    let rows = 0;
    plan.entityKeys.forEach((key, k) => {
      const values = entities[key] as readonly unknown[];
      rows = values.length;
      (this.keys[k] as Fragment[]).push(this.fragment(JSON.stringify(values)));
    });
    // Features of one view share their rows' event times, and most statuses are PRESENT: both texts are reused
    // from the previous column when they match, which they usually do.
    let presentRun = '';
    let lastMicros: readonly number[] = [];
    let lastTimestamps = '';
    for (let c = 0; c < columns.length; c++) {
      const column = columns[c] as FeatureColumn;
      const statuses = column.statuses;
      rows = statuses.length;
      let allPresent = true;
      for (let i = 0; i < statuses.length; i++) {
        const status = statuses[i] as FeatureStatus;
        counts[status]++;
        if (status !== 'PRESENT') allPresent = false;
      }
      let statusesJson: string;
      if (allPresent && statuses.length > 0) {
        if (presentRun === '') presentRun = repeated(PRESENT_JSON, statuses.length);
        statusesJson = presentRun;
      } else {
        statusesJson = JSON.stringify(statuses);
      }
      if (lastTimestamps === '' || !sameNumbers(column.eventMicros, lastMicros)) {
        lastMicros = column.eventMicros;
        lastTimestamps = timestampsJson(lastMicros);
      }
      const values = plan.floatColumns[c] ? floatColumnJson(column.values) : JSON.stringify(column.values);
      let parts = this.columns[c];
      if (!parts) {
        parts = { values: [], statuses: [], timestamps: [] };
        this.columns[c] = parts;
      }
      if (rows === 0) continue;
      parts.values.push(this.fragment(values));
      parts.statuses.push(this.fragment(statusesJson));
      parts.timestamps.push(this.fragment(lastTimestamps));
    }
    this.rows += rows;
  }

  /** The whole body (built without encodeSlices). */
  finish(): string {
    const { plan, rows } = this;
    const out: string[] = [plan.head];
    const keyStatuses = rows === 0 ? '[]' : repeated(PRESENT_JSON, rows);
    const keyTimes = rows === 0 ? '[]' : repeated(EPOCH_JSON, rows);
    for (const fragments of this.keys) {
      if (out.length > 1) out.push(',');
      out.push(`{"values":[${fragments.join(',')}],"statuses":${keyStatuses},"event_timestamps":${keyTimes}}`);
    }
    for (const parts of this.columns) {
      if (out.length > 1) out.push(',');
      out.push(
        `{"values":[${parts.values.join(',')}],"statuses":[${parts.statuses.join(',')}],` +
          `"event_timestamps":[${parts.timestamps.join(',')}]}`,
      );
    }
    out.push(']}');
    return out.join('');
  }

  /** The whole body as bytes (built with encodeSlices): the same JSON as finish() gives. */
  finishBuffer(): Buffer {
    const { plan, rows } = this;
    const out: Buffer[] = [Buffer.from(plan.head)];
    const text = (s: string): void => void out.push(Buffer.from(s));
    const list = (fragments: readonly Fragment[]): void => {
      fragments.forEach((f, i) => {
        if (i > 0) out.push(COMMA);
        out.push(typeof f === 'string' ? Buffer.from(f) : f);
      });
    };
    const keyTail = Buffer.from(
      `],"statuses":${rows === 0 ? '[]' : repeated(PRESENT_JSON, rows)},"event_timestamps":${rows === 0 ? '[]' : repeated(EPOCH_JSON, rows)}}`,
    );
    let first = true;
    for (const fragments of this.keys) {
      text(first ? '{"values":[' : ',{"values":[');
      first = false;
      list(fragments);
      out.push(keyTail);
    }
    for (const parts of this.columns) {
      text(first ? '{"values":[' : ',{"values":[');
      first = false;
      list(parts.values);
      text('],"statuses":[');
      list(parts.statuses);
      text('],"event_timestamps":[');
      list(parts.timestamps);
      text(']}');
    }
    text(']}');
    return Buffer.concat(out);
  }
}

/**
 * The response body for `plan`, the request's entity columns and the store's feature columns (same order as
 * plan.features), in one go: the same JSON as OnlineResponseBuilder gives for one slice, written in one pass with
 * no fragments in between (what a small read answers with; the builder's lists cost it ~3% of its CPU). Adds the
 * statuses served to `counts`.
 */
export function buildOnlineResponse(
  plan: ReadPlan,
  entities: Readonly<Record<string, readonly unknown[]>>,
  columns: readonly FeatureColumn[],
  counts: StatusCounts,
): string {
  const { entityKeys } = plan;
  const last = columns[columns.length - 1];
  const rows = last ? last.statuses.length : ((entities[entityKeys[entityKeys.length - 1] ?? ''] ?? []).length);
  const keyTail = `,"statuses":${rows === 0 ? '[]' : repeated(PRESENT_JSON, rows)},"event_timestamps":${rows === 0 ? '[]' : repeated(EPOCH_JSON, rows)}}`;
  // Pieces joined once at the end: one flat string, where `+=` made a cons string per piece (a small read's
  // response was ~3.5 KB of garbage that way). The texts shared between columns are only referenced again.
  const parts = new Array<string>(2 + 3 * entityKeys.length + 4 * columns.length);
  let n = 0;
  parts[n++] = plan.head;
  for (let k = 0; k < entityKeys.length; k++) {
    parts[n++] = k === 0 ? '{"values":' : ',{"values":';
    parts[n++] = JSON.stringify(entities[entityKeys[k] as string]);
    parts[n++] = keyTail;
  }
  // `,"statuses":[...]` and `,"event_timestamps":[...]}` are made once and reused while the next column's match.
  let presentRun = '';
  let lastMicros: readonly number[] = [];
  let timestampsTail = '';
  for (let c = 0; c < columns.length; c++) {
    const { values, statuses, eventMicros } = columns[c] as FeatureColumn;
    parts[n++] = entityKeys.length + c === 0 ? '{"values":' : ',{"values":';
    if (statuses.length === 0) {
      parts[n++] = '[],"statuses":[],"event_timestamps":[]}';
      continue;
    }
    let allPresent = true;
    for (let i = 0; i < statuses.length; i++) {
      const status = statuses[i] as FeatureStatus;
      counts[status]++;
      if (status !== 'PRESENT') allPresent = false;
    }
    if (timestampsTail === '' || !sameNumbers(eventMicros, lastMicros)) {
      lastMicros = eventMicros;
      timestampsTail = `,"event_timestamps":${timestampsJson(eventMicros)}}`;
    }
    if (allPresent && presentRun === '') presentRun = `,"statuses":${repeated(PRESENT_JSON, statuses.length)}`;
    parts[n++] = plan.floatColumns[c] ? floatColumnJson(values) : JSON.stringify(values);
    parts[n++] = allPresent ? presentRun : `,"statuses":${JSON.stringify(statuses)}`;
    parts[n++] = timestampsTail;
  }
  parts[n++] = ']}';
  parts.length = n;
  return parts.join('');
}

export function emptyCounts(): StatusCounts {
  return { PRESENT: 0, NOT_FOUND: 0, NULL_VALUE: 0, OUTSIDE_MAX_AGE: 0 };
}
