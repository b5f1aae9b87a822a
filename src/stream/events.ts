/**
 * Broker messages to events: parse, validate and sort out late ones, never throwing. A message is invalid when it
 * is not a UTF-8 JSON object (nor escapes half a surrogate pair), a join key is missing, null or not a scalar, or its time is missing, unparsable or
 * more than 5 minutes ahead of the wall clock. It is late when its time is before the watermark at the start of the
 * batch minus the allowed lateness. Invalid and late messages are counted (the first few invalid ones with their
 * position and reason, for the log); the others go on to the tiles.
 *
 * Event time: an ISO 8601 string (no zone means UTC; up to microseconds kept) or a number of epoch milliseconds.
 */
import { parseIsoMicros } from '../online/timestamp.js';

/** How far ahead of the wall clock an event time may be. */
export const MAX_FUTURE_MS = 5 * 60_000;
/** Invalid messages reported with their reason per batch. */
export const INVALID_SAMPLES = 5;

export interface StreamEvent {
  partition: string;
  position: string;
  /** Event time, epoch microseconds. */
  micros: number;
  /** The message as received (JSON text): what DuckDB types when the partials cannot fold the batch in JavaScript. */
  json: string;
  /**
   * The parsed object, which the JavaScript fold reads (src/engine/stream-fold.ts). It lives only through the batch's
   * synchronous parse and fold; held through an asynchronous aggregation, 5,000 of them reached the old generation's
   * collector (bench:stream 5-13% slower).
   */
  record: Record<string, unknown>;
}

export interface InvalidEvent {
  partition: string;
  position: string;
  reason: string;
}

export interface ParsedEvents {
  events: StreamEvent[];
  invalid: number;
  late: number;
  /** The first INVALID_SAMPLES invalid messages. */
  invalidSamples: InvalidEvent[];
  /** Greatest event time among `events` (undefined when none). */
  maxMicros: number | undefined;
}

export interface EventRules {
  joinKeys: readonly string[];
  timestampField: string;
  allowedLatenessMicros: number;
}

export interface BatchContext {
  /** The watermark stored before this batch, epoch micros. */
  watermarkMicros: number;
  /** Wall clock, epoch ms. */
  nowMs: number;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const FRACTION_SCALE = [1, 100_000, 10_000, 1000, 100, 10, 1];

/** The number written by `count` digits of `text` from `at`, or -1 when one of them is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * Epoch micros of `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` (years 1000-9999), or undefined to leave it to parseIsoMicros: the
 * shape producers send most (toISOString() and the like), read by hand (a regex match and six Number() cost a
 * third of the parse of a small event), without BigInt (8x faster than the general parser).
 */
export function utcIsoMicros(text: string): number | undefined {
  const length = text.length;
  if (length < 20 || length === 21 || length > 27 || text.charCodeAt(length - 1) !== 90 /* Z */) return undefined;
  const punctuated =
    text.charCodeAt(4) === 45 && text.charCodeAt(7) === 45 && text.charCodeAt(10) === 84 && text.charCodeAt(13) === 58 && text.charCodeAt(16) === 58;
  if (!punctuated || (length > 20 && text.charCodeAt(19) !== 46 /* . */)) return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  const fractionDigits = length > 20 ? length - 21 : 0;
  const fraction = fractionDigits === 0 ? 0 : digitsAt(text, 20, fractionDigits);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || fraction < 0) return undefined;
  // Date.UTC maps years 0-99 to 1900-1999: those (and any invalid field) go to the general parser, which refuses or reads them.
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : DAYS[month - 1];
  if (year < 1000 || days === undefined || day < 1 || day > days || hour > 23 || minute > 59 || second > 59) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second) * 1000 + fraction * (FRACTION_SCALE[fractionDigits] as number);
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Epoch micros of an event time, or a reason it is none. */
export function eventMicros(value: unknown, field: string): number | string {
  if (value === undefined || value === null) return `time field "${field}" is missing or null`;
  if (typeof value === 'number') {
    // Date's range: beyond it no tile or timestamp can hold the event.
    if (!Number.isFinite(value) || Math.abs(value) > 8.64e15) return `time field "${field}" is not a valid epoch milliseconds number: ${show(value)}`;
    return Math.round(value * 1000);
  }
  if (typeof value === 'string') {
    const micros = utcIsoMicros(value) ?? parseIsoMicros(value);
    if (micros !== undefined) return Number(micros);
  }
  return `time field "${field}" is not an ISO 8601 time or epoch milliseconds: ${show(value)}`;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Every string of a parsed JSON value (keys included) is well-formed Unicode. */
function wellFormed(value: unknown): boolean {
  if (typeof value === 'string') return !LONE_SURROGATE.test(value);
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) return value.every(wellFormed);
  return Object.entries(value).every(([k, v]) => !LONE_SURROGATE.test(k) && wellFormed(v));
}

/** The event object of one message, or a reason it is not a valid event. */
export function parseEvent(data: Uint8Array, rules: EventRules, nowMs: number): { json: string; record: Record<string, unknown>; micros: number } | string {
  let parsed: unknown;
  let json: string;
  try {
    json = decoder.decode(data);
    parsed = JSON.parse(json);
  } catch (error) {
    return data.length === 0 ? 'empty message' : `not JSON: ${(error as Error).message.slice(0, 80)}`;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return `not a JSON object: ${show(parsed)}`;
  // JSON may escape half a surrogate pair ("\ud800"), which no Unicode text holds: DuckDB refuses the whole batch
  // holding it, so it is this event's fault, not the batch's. Only a text with an escape can hold one.
  if (json.includes('\\u') && !wellFormed(parsed)) return 'holds a lone UTF-16 surrogate escape (e.g. "\\ud800"): not Unicode text';
  const event = parsed as Record<string, unknown>;
  for (const key of rules.joinKeys) {
    const value = event[key];
    if (value === undefined || value === null) return `join key "${key}" is missing or null`;
    if (typeof value === 'object') return `join key "${key}" is not a string, number or boolean: ${show(value)}`;
  }
  const micros = eventMicros(event[rules.timestampField], rules.timestampField);
  if (typeof micros === 'string') return micros;
  if (micros > (nowMs + MAX_FUTURE_MS) * 1000) {
    return `time ${show(event[rules.timestampField])} is more than 5 minutes ahead of the clock`;
  }
  return { json, record: event, micros };
}

/** Sorts a batch's messages into events, invalid and late ones (see the header). */
export function parseEvents(
  messages: ReadonlyArray<{ partition: string; position: string; data: Uint8Array }>,
  rules: EventRules,
  context: BatchContext,
): ParsedEvents {
  const out: ParsedEvents = { events: [], invalid: 0, late: 0, invalidSamples: [], maxMicros: undefined };
  const lateBefore = context.watermarkMicros - rules.allowedLatenessMicros;
  for (const m of messages) {
    const result = parseEvent(m.data, rules, context.nowMs);
    if (typeof result === 'string') {
      out.invalid++;
      if (out.invalidSamples.length < INVALID_SAMPLES) out.invalidSamples.push({ partition: m.partition, position: m.position, reason: result });
      continue;
    }
    if (result.micros < lateBefore) {
      out.late++;
      continue;
    }
    out.events.push({ partition: m.partition, position: m.position, micros: result.micros, json: result.json, record: result.record });
    if (out.maxMicros === undefined || result.micros > out.maxMicros) out.maxMicros = result.micros;
  }
  return out;
}
