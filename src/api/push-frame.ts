/**
 * A pushed data frame (`df`: column -> one value per row) checked against the views it is written to. Every value
 * of every column a view needs is checked against its dtype before anything is written, and a problem names the
 * column and the row: `df.amount[3]: expected float64, got "abc"`. Columns no view needs are ignored, as Feast does
 * (one frame may feed several views of a push source).
 */
import type { Dtype } from '../registry/dtypes.js';
import { viewFeatures } from '../registry/features.js';
import type { FeatureView, Repo } from '../registry/schema.js';
import { BadRequestError } from './errors.js';
import { parseInstant, parseTypedValue, showValue, type TypedValue } from './push-values.js';

/** Feast's names for the timestamps of a frame its SDK posts (remote online store `online_write_batch`). */
export const FEAST_EVENT_COLUMN = 'event_timestamp';
export const FEAST_CREATED_COLUMN = 'created';

export interface Frame {
  columns: Readonly<Record<string, readonly unknown[]>>;
  rows: number;
  /** Parsed columns by `name|dtype`, shared by the views a frame is written to. */
  parsed: Map<string, TypedValue[]>;
}

export interface ParsedColumn {
  name: string;
  /** The declared dtype; for join keys without a valueType, the one their values show. */
  dtype: Dtype | undefined;
  values: TypedValue[];
}

export interface ViewFrame {
  view: FeatureView;
  keys: ParsedColumn[];
  eventMicros: bigint[];
  createdMicros: (bigint | null)[];
  features: ParsedColumn[];
}

const MAX_PROBLEMS = 5;

class Problems {
  readonly list: string[] = [];
  add(problem: string): void {
    this.list.push(problem);
  }
  throwIfAny(): void {
    if (this.list.length === 0) return;
    const shown = this.list.slice(0, MAX_PROBLEMS);
    const more = this.list.length - shown.length;
    throw new BadRequestError(`invalid request: ${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`);
  }
}

/** Checks that every column has one value per row. */
export function frameOf(df: Readonly<Record<string, readonly unknown[]>>): Frame {
  const entries = Object.entries(df);
  const [first, firstValues] = entries[0] ?? ['', []];
  const problems = new Problems();
  for (const [name, values] of entries) {
    if (values.length !== firstValues.length) {
      problems.add(`df.${name}: has ${values.length} values but df.${first} has ${firstValues.length}: every column needs one value per row`);
    }
  }
  problems.throwIfAny();
  return { columns: df, rows: firstValues.length, parsed: new Map() };
}

/**
 * The values of column `name`, if the frame has it. Own columns only: a feature may be called `toString` or
 * `constructor` (valid names), and a frame without it must not find the one every object inherits.
 */
function columnOf(frame: Frame, name: string): readonly unknown[] | undefined {
  return Object.hasOwn(frame.columns, name) ? frame.columns[name] : undefined;
}

function expected(column: string, row: number, dtype: string, value: unknown): string {
  const hint = typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value) ? ' (send integers beyond 2^53 as strings)' : '';
  return `df.${column}[${row}]: expected ${dtype}, got ${showValue(value)}${hint}`;
}

function parseColumn(frame: Frame, name: string, dtype: Dtype | undefined, nullable: boolean, problems: Problems): TypedValue[] {
  const cacheKey = `${name}|${dtype ?? ''}|${nullable}`;
  const cached = frame.parsed.get(cacheKey);
  if (cached) return cached;
  const raw = columnOf(frame, name) ?? [];
  const out: TypedValue[] = new Array<TypedValue>(raw.length);
  let bad = false;
  for (let i = 0; i < raw.length; i++) {
    const typed = raw[i] === null && !nullable ? undefined : parseTypedValue(raw[i], dtype);
    if (typed === undefined) {
      // One problem per column: the first bad row says what is wrong; the rest usually repeat it.
      if (!bad) problems.add(expected(name, i, dtype ?? 'a JSON scalar or list', raw[i]));
      bad = true;
    }
    out[i] = typed ?? null;
  }
  if (!bad) frame.parsed.set(cacheKey, out);
  return out;
}

/** A join key without a declared type takes the type of its first value (integers are int64). */
function inferKeyDtype(values: readonly unknown[]): Dtype {
  const first = values.find((v) => v !== null);
  if (typeof first === 'number') return Number.isInteger(first) ? 'int64' : 'float64';
  if (typeof first === 'boolean') return 'bool';
  return 'string';
}

/**
 * Without a declared type, a read tells 1 from "1" (online/keys.ts), so a key column must not mix them: a pushed
 * "2" stored as the number 2 could never be read back by the key the client used.
 */
function sameJsonKind(values: readonly unknown[], column: string, dtype: Dtype, problems: Problems): boolean {
  const kind = typeof values.find((v) => v !== null);
  const row = values.findIndex((v) => v !== null && typeof v !== kind);
  if (row === -1) return true;
  problems.add(`${expected(column, row, dtype, values[row])} (the entity declares no valueType, so the first value's type holds for the column)`);
  return false;
}

/**
 * null, or pandas' "NaT": Feast's client formats every created time of a frame with isoformat(), and a missing one
 * in a pandas frame is NaT (which is truthy), so a null created time reaches us as the text "NaT".
 */
function isMissingInstant(value: unknown): boolean {
  return value === null || value === 'NaT';
}

/**
 * How far ahead of the server's clock a pushed time may be. Writes are newer-wins, so a row stamped in the future
 * (epoch milliseconds sent where seconds are meant read as the year 56302) would hide every later write of its key
 * online, and win every point-in-time join offline; a day covers clock skew and time zones gone wrong.
 */
export const MAX_FUTURE_MS = 24 * 3600 * 1000;

function parseInstants(frame: Frame, name: string, nullable: boolean, problems: Problems, nowMs: number): (bigint | null)[] {
  const latest = BigInt(nowMs + MAX_FUTURE_MS) * 1000n;
  const raw = columnOf(frame, name) ?? [];
  const out: (bigint | null)[] = new Array<bigint | null>(raw.length);
  let bad = false;
  for (let i = 0; i < raw.length; i++) {
    // Rows of one push often share their time; parsing ISO text is the costliest check of a row.
    if (i > 0 && raw[i] === raw[i - 1] && out[i - 1] !== undefined) {
      out[i] = out[i - 1] as bigint | null;
      continue;
    }
    const micros = isMissingInstant(raw[i]) && nullable ? null : parseInstant(raw[i]);
    if (micros === undefined) {
      if (!bad) problems.add(expected(name, i, 'a timestamp (ISO-8601, naive means UTC, or epoch seconds)', raw[i]));
      bad = true;
    } else if (micros !== null && micros > latest) {
      if (!bad) {
        const shown = new Date(Number(micros / 1000n)).toISOString();
        problems.add(`df.${name}[${i}]: ${showValue(raw[i])} is ${shown}, more than a day after the server's clock (epoch milliseconds where seconds are meant?): a future time would hide every later write of this key`);
      }
      bad = true;
    }
    out[i] = micros ?? null;
  }
  return out;
}

/** The first of `names` the frame has. */
function pick(frame: Frame, names: readonly (string | undefined)[]): string | undefined {
  return names.find((n): n is string => n !== undefined && columnOf(frame, n) !== undefined);
}

/**
 * The frame's rows for `view`: join keys, event and created times, features. The event time column is the view's
 * source's timestampField or Feast's `event_timestamp`; the created one its createdTimestampField or Feast's
 * `created` (null or absent: none).
 */
export function parseViewFrame(repo: Repo, view: FeatureView, frame: Frame, nowMs: number = Date.now()): ViewFrame {
  const problems = new Problems();
  const computed = view.transform !== undefined || view.aggregation !== undefined;
  const source = computed ? undefined : repo.sources.find((s) => s.name === view.source);
  const need = (name: string, what: string): boolean => {
    if (columnOf(frame, name) !== undefined) return true;
    problems.add(`df.${name}: missing; feature view "${view.name}" needs it (${what})`);
    return false;
  };

  const keys: ParsedColumn[] = [];
  for (const entityName of view.entities) {
    const entity = repo.entities.find((e) => e.name === entityName);
    for (const key of entity?.joinKeys ?? []) {
      if (!need(key, `join key of entity "${entityName}"`)) continue;
      const dtype = entity?.valueType ?? inferKeyDtype(columnOf(frame, key) ?? []);
      if (entity?.valueType === undefined && !sameJsonKind(columnOf(frame, key) ?? [], key, dtype, problems)) continue;
      keys.push({ name: key, dtype, values: parseColumn(frame, key, dtype, false, problems) });
    }
  }

  const eventColumn = pick(frame, [source?.timestampField, FEAST_EVENT_COLUMN]);
  let eventMicros: bigint[] = [];
  if (eventColumn === undefined) need(source?.timestampField ?? FEAST_EVENT_COLUMN, 'the event time of each row');
  else eventMicros = parseInstants(frame, eventColumn, false, problems, nowMs) as bigint[];
  const createdColumn = pick(frame, [source?.createdTimestampField, FEAST_CREATED_COLUMN]);
  const createdMicros = createdColumn === undefined ? new Array<null>(frame.rows).fill(null) : parseInstants(frame, createdColumn, true, problems, nowMs);

  const features: ParsedColumn[] = [];
  for (const feature of viewFeatures(view)) {
    // Every feature, because a row replaces the whole stored value: a missing one would be erased, not kept.
    if (!need(feature.name, 'a row replaces every feature of the view')) continue;
    features.push({ name: feature.name, dtype: feature.dtype, values: parseColumn(frame, feature.name, feature.dtype, true, problems) });
  }
  problems.throwIfAny();
  return { view, keys, eventMicros, createdMicros, features };
}
