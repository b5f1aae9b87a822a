/**
 * Latest rows rendered by DuckDB as ready-to-send bytes, a few thousand rows per value. The online store describes
 * the bytes of one row as a template (its wire protocol: the engine knows none); DuckDB fills it in C++ across its
 * threads and concatenates the rows of a group, so Node only copies each group's bytes to a socket. At a million
 * rows the per-row JS work (strings out of DuckDB, key and command strings, UTF-8 encoding them again for the
 * socket, and the garbage all that leaves) cost more than Redis itself (issue 13: bench/materialize/phases.ts).
 */
import { integer, literal } from './sql.js';

/** A latest row's fields as text: entity key, event and created micros (created '' when NULL), payload, expiry ms. */
export type RowField = 'key' | 'event' | 'created' | 'payload' | 'expiryMs';
export type FramePiece = string | { field: RowField };
/** Literal text, or pieces written as `<before><byte length><between><pieces><after>` (RESP's bulk string). */
export type FramePart = string | { sized: readonly FramePiece[] };

export interface RowFrameTemplate {
  parts: readonly FramePart[];
  sized: { before: string; between: string; after: string };
  /**
   * Expiry = event ms + ttl: rows whose expiry is at or before `nowMs` are left out (counted), as they would expire
   * at once. Absent: no expiry, and the template must not use `expiryMs`.
   */
  expiry?: { ttlSeconds: number; nowMs: number };
}

/** One group of rendered rows. */
export interface FrameBatch {
  /** The live rows' frames, back to back. */
  frames: Uint8Array;
  /** Live rows in `frames`. */
  count: number;
  /** Rows of the group, expired ones included. */
  rows: number;
  /** Newest event time of the group's rows (expired ones included), epoch micros. */
  newestEventMicros: number;
}

/** Rows per rendered group: big enough that per-group costs vanish, small enough to keep a socket write modest. */
export const ROWS_PER_FRAME_BATCH = 2000;

function fieldSql(field: RowField, template: RowFrameTemplate): string {
  switch (field) {
    case 'key':
      return 'k';
    case 'event':
      // The JS codec writes String(eventMicros) of a whole double: plain digits, as a BIGINT cast gives.
      return 'CAST(CAST(t AS BIGINT) AS VARCHAR)';
    case 'created':
      return `coalesce(CAST(CAST(c AS BIGINT) AS VARCHAR), '')`;
    case 'payload':
      return 'p';
    case 'expiryMs':
      if (!template.expiry) throw new TypeError('a row frame template without expiry cannot use expiryMs');
      return 'CAST(x AS VARCHAR)';
  }
}

function piecesSql(pieces: readonly FramePiece[], template: RowFrameTemplate): string {
  if (pieces.length === 0) return `''`;
  return `concat(${pieces.map((p) => (typeof p === 'string' ? literal(p) : fieldSql(p.field, template))).join(', ')})`;
}

/**
 * SQL over `encoded` (columns k, t, c, p: entity key, event and created micros as DOUBLE, payload) that yields one
 * row per group of about `rowsPerBatch` rows: frames BLOB (NULL when every row expired), n, rows, newest.
 */
export function framesSql(encoded: string, rows: number, template: RowFrameTemplate, rowsPerBatch = ROWS_PER_FRAME_BATCH): string {
  const groups = Math.max(1, Math.ceil(rows / rowsPerBatch));
  // Same double arithmetic as expiryAtMs() in JS: Math.floor(micros / 1000) + ttl * 1000.
  const expiry = template.expiry
    ? `CAST(floor(t / 1000) AS BIGINT) + ${integer(template.expiry.ttlSeconds * 1000)}`
    : 'CAST(0 AS BIGINT)';
  const live = template.expiry ? `x > ${integer(template.expiry.nowMs)}` : 'true';
  const sized = template.parts.flatMap((part) => (typeof part === 'string' ? [] : [piecesSql(part.sized, template)]));
  let s = 0;
  const { before, between, after } = template.sized;
  const frame = template.parts
    .map((part) => {
      if (typeof part === 'string') return literal(part);
      const column = `s${s++}`;
      return `${literal(before)}, CAST(strlen(${column}) AS VARCHAR), ${literal(between)}, ${column}, ${literal(after)}`;
    })
    .join(', ');
  // Sized contents are columns of their own so DuckDB builds each once, not once for its length and once more;
  // concat() builds a string in one allocation where a chain of || allocates one per operator.
  return `WITH r AS (SELECT k, t, c, p, ${expiry} AS x FROM (${encoded})),
    s AS (SELECT hash(k) % ${integer(groups)} AS g, t, ${live} AS live${sized.map((sql, i) => `, CASE WHEN ${live} THEN ${sql} END AS s${i}`).join('')} FROM r)
    SELECT encode(string_agg(CASE WHEN live THEN concat(${frame}) END, '')) AS frames, count(*) FILTER (WHERE live)::DOUBLE AS n,
      count(*)::DOUBLE AS rows, max(t) AS newest
    FROM s GROUP BY g`;
}
