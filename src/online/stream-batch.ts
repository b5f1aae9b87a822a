/**
 * The client half of writing a micro-batch of a stream view (pure): the batch's rows grouped per tile hash, the
 * fields to read (lua/stream-read-tiles.lua) or find in the consumer's cache (tile-state-cache.ts), and the merge of
 * the stored states with the batch's by the codec that serving and training use, packed for lua/stream-apply.lua.
 * Merging here rather than in Lua moved ~28 us per (entity, tile) row off Redis' single thread (bench/stream/ingest.ts)
 * onto the ingest process.
 * A tile hash has one field per tile (`<tile>`), holding every feature's state (tile-codec joinTileStates).
 */
import { OnlineStoreError } from './errors.js';
import {
  DISTINCT_SEPARATOR,
  encodeTileState,
  FEATURE_SEPARATOR,
  formatNumber,
  joinTileStates,
  MAX_DISTINCT_PER_TILE,
  mergeTileStates,
  parseTileState,
  readStateNumbers,
  splitTileStates,
  type MergeStats,
  type TileKind,
} from './tile-codec.js';

/**
 * The states of one entity's tile: [feature index in view.aggregation.features, kind, state text (tile-codec)], or
 * every feature's state already joined as a tile field holds them (joinTileStates, "" where absent), as the ingest
 * partials give them: then `states` is ignored. A row of tuples cost ~1 KB of young-generation garbage an event.
 */
export interface TileRow {
  entityKey: string;
  tile: number;
  states: ReadonlyArray<readonly [number, TileKind, string]>;
  joined?: string;
}

/** Separators of the packed per-key records: never inside a state text (JSON escapes them). */
export const RECORD = '\x1e';
export const UNIT = '\x1d';

/** One tile hash's part of a batch: its tiles in first-seen order, each with every feature's state joined. */
export interface KeyBatch {
  entityKey: string;
  tiles: number[];
  /** The tiles' field names. */
  fields: string[];
  /** Per tile, the batch's states as a tile field holds them (joinTileStates, "" where absent). */
  texts: string[];
  maxTile: number;
}

const FORBIDDEN = /[\x1c\x1d\x1e]/;
/** A joined row holds feature separators, but never a record's. */
const FORBIDDEN_JOINED = /[\x1d\x1e]/;

/** A tuple row's states in feature order ("" where absent), checked against the view's functions. */
function rowStates(row: TileRow, kinds: readonly TileKind[]): string[] {
  const states = kinds.map(() => '');
  for (const [f, kind, state] of row.states) {
    if (kinds[f] !== kind) throw new OnlineStoreError(`stream batch: feature ${f} is ${String(kinds[f])}, got a ${kind} state`);
    if (state === '' || FORBIDDEN.test(state)) {
      throw new OnlineStoreError(`stream batch: a ${kind} state must be non-empty text without \\x1c-\\x1e, got ${JSON.stringify(state.slice(0, 80))}`);
    }
    states[f] = state;
  }
  return states;
}

/** A row's states joined: a joined row as it is (after the check), tuples joined. */
function rowText(row: TileRow, kinds: readonly TileKind[]): string {
  const { joined } = row;
  if (joined === undefined) return joinTileStates(rowStates(row, kinds));
  if (FORBIDDEN_JOINED.test(joined)) throw new OnlineStoreError(`stream batch: a tile's states must not hold \\x1d or \\x1e, got ${JSON.stringify(joined.slice(0, 80))}`);
  let width = 1;
  for (let at = joined.indexOf(FEATURE_SEPARATOR); at >= 0; at = joined.indexOf(FEATURE_SEPARATOR, at + 1)) width++;
  if (width !== kinds.length) throw new OnlineStoreError(`stream batch: a tile row holds ${width} feature states, the view has ${kinds.length}`);
  return joined;
}

/** Two joined texts of one tile merged feature by feature (either may lack a feature: ""). */
function mergeTexts(a: string, b: string, kinds: readonly TileKind[], stats: MergeStats): string {
  const as = splitTileStates(a, kinds.length);
  const bs = splitTileStates(b, kinds.length);
  for (let f = 0; f < kinds.length; f++) {
    const x = as[f] as string;
    const y = bs[f] as string;
    as[f] = x === '' ? y : y === '' ? x : merge(kinds[f] as TileKind, x, y, stats);
  }
  return joinTileStates(as);
}

function integerText(n: number, name: string): string {
  if (!Number.isSafeInteger(n)) throw new OnlineStoreError(`stream batch: ${name} must be a safe integer, got ${n}`);
  return String(n);
}

/** Groups rows by entity; one field per tile, states of a repeated (entity, tile) merged. */
export function groupTileRows(rows: readonly TileRow[], kinds: readonly TileKind[], stats: MergeStats): KeyBatch[] {
  const byKey = new Map<string, KeyBatch>();
  for (const row of rows) {
    const text = rowText(row, kinds);
    const field = integerText(row.tile, 'tile');
    const key = byKey.get(row.entityKey);
    if (key === undefined) {
      byKey.set(row.entityKey, { entityKey: row.entityKey, tiles: [row.tile], fields: [field], texts: [text], maxTile: row.tile });
      continue;
    }
    if (row.tile > key.maxTile) key.maxTile = row.tile;
    // The partials give one row per (entity, tile); another caller's repeats are merged.
    const at = key.fields.indexOf(field);
    if (at < 0) {
      key.tiles.push(row.tile);
      key.fields.push(field);
      key.texts.push(text);
    } else {
      key.texts[at] = mergeTexts(key.texts[at] as string, text, kinds, stats);
    }
  }
  return [...byKey.values()];
}

const STORED = new Float64Array(3);
const BATCH = new Float64Array(3);

/**
 * The codec's merge of two state texts, numbers merged straight from the texts (most merges of a batch; the general
 * path allocates two states and a third, ~1 us a merge): the same numbers (readStateNumbers reads what
 * parseTileState reads) and the same IEEE operations; a count_distinct batch state of one value (most: an entity's
 * events in one tile of one batch) is looked up in the stored text rather than both split into a Set.
 */
function merge(kind: TileKind, stored: string, batch: string, stats: MergeStats): string {
  if (kind === 'count' || kind === 'sum' || kind === 'avg') {
    readStateNumbers(kind, stored, STORED);
    readStateNumbers(kind, batch, BATCH);
    const n = formatNumber((STORED[0] as number) + (BATCH[0] as number));
    return kind === 'count' ? n : `${n},${formatNumber((STORED[1] as number) + (BATCH[1] as number))}`;
  }
  if (kind === 'max' || kind === 'min') {
    readStateNumbers(kind, stored, STORED);
    readStateNumbers(kind, batch, BATCH);
    return formatNumber((kind === 'max' ? Math.max : Math.min)(STORED[0] as number, BATCH[0] as number));
  }
  if (kind === 'count_distinct' && !batch.includes(DISTINCT_SEPARATOR) && stored.length < DISTINCT_QUICK_BELOW) {
    // Shorter than this the stored list holds fewer than the cap's values (each takes >= 3 characters with its
    // separator), so the value is only dropped if already there.
    return hasWholeValue(stored, batch) ? stored : `${stored}${DISTINCT_SEPARATOR}${batch}`;
  }
  return encodeTileState(mergeTileStates(parseTileState(kind, stored), parseTileState(kind, batch), stats));
}

/** Values of a count_distinct text are JSON, each >= 2 characters: this many characters hold fewer than the cap. */
const DISTINCT_QUICK_BELOW = 3 * MAX_DISTINCT_PER_TILE - 1;

function isWholeValue(list: string, at: number, length: number): boolean {
  const end = at + length;
  return (at === 0 || list.charCodeAt(at - 1) === 0x1f) && (end === list.length || list.charCodeAt(end) === 0x1f);
}

function hasWholeValue(list: string, value: string): boolean {
  for (let at = list.indexOf(value); at >= 0; at = list.indexOf(value, at + 1)) if (isWholeValue(list, at, value.length)) return true;
  return false;
}

/**
 * The packed ARGV of one key for stream-apply.lua: every tile with its stored state (`stored[i]`, "" when absent)
 * merged with the batch's. `texts` are the merged field values as written (what the cache keeps); `added` says
 * whether a tile field is new to the hash (only then can it outgrow the prune threshold).
 */
export function mergedRecords(
  key: KeyBatch,
  stored: readonly string[],
  kinds: readonly TileKind[],
  stats: MergeStats,
): { packed: string; texts: string[]; added: boolean } {
  const texts: string[] = [];
  let packed = '';
  let added = false;
  for (let i = 0; i < key.fields.length; i++) {
    const old = stored[i] ?? '';
    const batch = key.texts[i] as string;
    if (old === '') added = true;
    const text = old === '' ? batch : mergeTexts(old, batch, kinds, stats);
    texts.push(text);
    packed += `${i === 0 ? '' : RECORD}${key.fields[i] as string}${UNIT}${text}`;
  }
  return { packed, texts, added };
}
