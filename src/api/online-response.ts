/**
 * The response of `POST /get-online-features` as one JSON string. The store hands back values already in their
 * JSON form, so each column is stringified once, natively, and the pieces are concatenated: no intermediate
 * response object, no per-value encoding in JS (decoding dominates Feast's server, see PITFALLS).
 */
import type { FeatureColumn, FeatureStatus } from '../online/types.js';
import { floatColumnJson } from './float-json.js';
import type { ReadPlan } from './online-plan.js';

export const EPOCH = '1970-01-01T00:00:00Z';
const EPOCH_JSON = `"${EPOCH}"`;
const PRESENT_JSON = '"PRESENT"';
// Date's range; beyond it toISOString throws.
const MAX_MS = 8.64e15;

export type StatusCounts = Record<FeatureStatus, number>;

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const SECONDS_PER_DAY = 86_400;
// Years 0000-9999: the range ISO-8601 writes with four digits; outside it Date's extended format takes over.
const MIN_SECONDS = -62_167_219_200;
const MAX_SECONDS = 253_402_300_799;

/**
 * `2024-05-01T10:00:00Z`: an event time in UTC to the second (sub-second digits dropped, not rounded). Integer
 * arithmetic (days to civil date, Hinnant's algorithm) instead of Date#toISOString: with one distinct time per
 * entity, formatting was the largest cost of a 100-entity response.
 */
export function formatEventTime(micros: number): string {
  if (micros === 0) return EPOCH;
  const seconds = Math.floor(micros / 1_000_000);
  if (!(seconds >= MIN_SECONDS && seconds <= MAX_SECONDS)) return formatWithDate(seconds);
  const days = Math.floor(seconds / SECONDS_PER_DAY);
  const secondOfDay = seconds - days * SECONDS_PER_DAY;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(secondOfDay / 3600);
  const minute = Math.floor((secondOfDay % 3600) / 60);
  return (
    `${TWO_DIGITS[Math.floor(year / 100)]}${TWO_DIGITS[year % 100]}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}` +
    `T${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[secondOfDay % 60]}Z`
  );
}

function formatWithDate(seconds: number): string {
  const ms = seconds * 1000;
  if (!(Math.abs(ms) <= MAX_MS)) return EPOCH;
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, iso.length - 5)}Z`;
}

/** `[x,x,...]` with `n` copies of the JSON text `item`. */
function repeated(item: string, n: number): string {
  return `[${`${item},`.repeat(n - 1)}${item}]`;
}

/** JSON array of event times; rows of one materialization share a time, so the last conversion is reused. */
function timestampsJson(micros: readonly number[]): string {
  let lastMicros = Number.NaN;
  let lastText = '';
  let out = '[';
  for (let i = 0; i < micros.length; i++) {
    const m = micros[i] as number;
    if (m !== lastMicros) {
      lastMicros = m;
      lastText = m === 0 ? EPOCH_JSON : `"${formatEventTime(m)}"`;
    }
    out += i === 0 ? lastText : `,${lastText}`;
  }
  return `${out}]`;
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

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
 * plan.features), in one go. Adds the statuses served to `counts`.
 */
export function buildOnlineResponse(
  plan: ReadPlan,
  entities: Readonly<Record<string, readonly unknown[]>>,
  columns: readonly FeatureColumn[],
  counts: StatusCounts,
): string {
  const builder = new OnlineResponseBuilder(plan);
  builder.add(entities, columns, counts);
  return builder.finish();
}

export function emptyCounts(): StatusCounts {
  return { PRESENT: 0, NOT_FOUND: 0, NULL_VALUE: 0, OUTSIDE_MAX_AGE: 0 };
}
