/**
 * The tile states one consumer wrote, kept so a batch's merge needs no read of Redis in steady state
 * (stream-tiles.ts applyTileBatch). Valid because this consumer's writes are sequential and each is a compare-and-set
 * on the positions the previous one set: while the cache's positions are the batch's expected ones and its write
 * applies, nobody wrote between our writes, so what we wrote is what Redis holds.
 *
 * What must still be read, for an (entity, tile) not in the cache:
 * - at or below floor(W0 / tileMicros), W0 the stored watermark when the cache (re)started: anything stored before
 *   holds events <= W0 only (a batch's watermark is its greatest event time or more). Above it, a tile we did not
 *   write is absent. No stored state reads as watermark 0 (what
 *   the ingest loop and stream-apply.lua start from, and they never lower it), so tiles <= 0 are read then;
 * - below the eviction floor (the loop never writes there; another caller, or a pruned tile, is read to be exact);
 * - of a tile whose first cached state was written half a hash's PEXPIRE ago (wall time): Redis may have expired
 *   some of those hashes since (an entity idle that long), and the cache does not keep a time per entity;
 * - everything while the cache's positions are unknown (after clear(), or expected positions other than ours).
 *
 * Eviction: the loop drops events older than the watermark at a batch's start minus allowedLateness, so once a
 * watermark W is applied, tiles below floor((W - allowedLateness) / tileMicros) are never written again.
 *
 * Memory: 124 bytes per cached tile state measured for the card bench's five features (a ~40-character state text,
 * an 8-byte entity key, the Map entry), so ~125 MB at the default cap of 1,000,000 states. Long count_distinct
 * lists take their length more, but the cache only ever holds tiles within the lateness, a fraction of what the
 * view's hashes hold in Redis. Past the cap the cache starts over from the watermark applied (a re-read of the tiles
 * touched next), so correctness never depends on its size.
 */

/** A tile the cache cannot answer for: read it from Redis. */
export const READ = null;

export interface TileCacheLayout {
  tileMicros: number;
  allowedLatenessMicros: number;
  /** PEXPIRE of a written tile hash (ms). */
  expireMs: number;
  /** Cached tile states at most (default 1,000,000). */
  maxEntries?: number;
  now?: () => number;
}

/**
 * One tile's cached states, entityKey -> text. Kept per tile rather than per entity: eviction drops whole tiles
 * (no walk over the entities), and an object and Map per entity cost the ingest bench ~1 us of CPU per event in
 * allocation and old-generation collection.
 */
interface TileStates {
  states: Map<string, string>;
  /** When its first state was written (wall ms): every entity's hash in it was written, and its expiry reset, since. */
  sinceMs: number;
}

export class TileStateCache {
  private readonly tiles = new Map<number, TileStates>();
  private size = 0;
  /** The positions JSON the cached states are true at; undefined while unknown. */
  private positions: string | undefined;
  /** A tile at or below this one that is not cached must be read. */
  private readTo = 0;
  private watermarkMicros = 0;
  private evictBelow = Number.NEGATIVE_INFINITY;
  /** The least and greatest tile written since the start (a caller's watermark may lag its rows; the loop's never does). */
  private minTile = Number.POSITIVE_INFINITY;
  private maxTile = Number.NEGATIVE_INFINITY;
  /** Settles once the last batch begun has sent its write (see inSendOrder). */
  private lastSent: Promise<void> = Promise.resolve();
  private readonly maxEntries: number;
  private readonly staleAfterMs: number;
  readonly now: () => number;

  constructor(private readonly layout: TileCacheLayout) {
    this.maxEntries = layout.maxEntries ?? 1_000_000;
    // Half the PEXPIRE: room for the clocks of this host and Redis' to differ.
    this.staleAfterMs = layout.expireMs / 2;
    this.now = layout.now ?? Date.now;
  }

  /** Starts (over) at the stored state: its positions JSON ("" when none) and watermark (0 when none). */
  start(positions: string, watermarkMicros: number): void {
    this.dropEntries();
    this.positions = positions;
    this.watermarkMicros = Math.max(0, watermarkMicros);
    this.readTo = this.tileOf(this.watermarkMicros);
    this.evictBelow = Number.NEGATIVE_INFINITY;
    this.maxTile = Number.NEGATIVE_INFINITY;
  }

  /** Forgets everything, the positions too: the next batch reads all its tiles and starts over from that read. */
  clear(): void {
    this.dropEntries();
    this.positions = undefined;
  }

  /**
   * Runs a batch's write once the batch begun before it has sent its own: a batch merges on the states the one
   * before recorded as it sent them, and any read it makes must reach Redis after that write. `write` calls `sent`
   * when its script is sent (a failure before that releases the next batch too).
   */
  async inSendOrder<T>(write: (sent: () => void) => Promise<T>): Promise<T> {
    const previous = this.lastSent;
    let release = (): void => undefined;
    this.lastSent = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await write(release);
    } finally {
      release();
    }
  }

  /** Whether the cache is true at these positions (a batch expecting them may use it). */
  knowsAt(expectedPositions: string): boolean {
    return this.positions === expectedPositions;
  }

  get entries(): number {
    return this.size;
  }

  /** The state text this consumer wrote, "" when the tile is known absent from Redis, or READ. */
  stored(entityKey: string, tile: number, nowMs: number): string | typeof READ {
    if (this.positions === undefined || tile < this.evictBelow) return READ;
    const cached = this.tiles.get(tile);
    if (cached !== undefined) {
      if (nowMs - cached.sinceMs < this.staleAfterMs) {
        const text = cached.states.get(entityKey);
        if (text !== undefined) return text;
      } else {
        this.dropTile(tile, cached);
      }
    }
    return tile <= this.readTo ? READ : '';
  }

  /**
   * Records what an applied write put in one entity's hash: the merged texts of its tiles, and the prune floor the
   * write sent (stream-apply.lua may have deleted the tiles below it: they are read again if ever needed).
   */
  wrote(entityKey: string, tiles: readonly number[], texts: readonly string[], pruneBelow: number | undefined, sentAtMs: number): void {
    if (this.positions === undefined) return;
    for (let i = 0; i < tiles.length; i++) {
      const tile = tiles[i] as number;
      let cached = this.tiles.get(tile);
      if (cached === undefined) {
        cached = { states: new Map(), sinceMs: sentAtMs };
        this.tiles.set(tile, cached);
        if (tile > this.maxTile) this.maxTile = tile;
        if (tile < this.minTile) this.minTile = tile;
      }
      const before = cached.states.size;
      cached.states.set(entityKey, texts[i] as string);
      this.size += cached.states.size - before;
    }
    // The loop's prune floors lie below the eviction floor, where nothing is cached: this is for other callers.
    if (pruneBelow !== undefined && pruneBelow > this.minTile) {
      for (const [tile, cached] of this.tiles) {
        if (tile < pruneBelow && cached.states.delete(entityKey)) this.size--;
      }
      if (pruneBelow - 1 > this.readTo) this.readTo = pruneBelow - 1;
    }
  }

  /** The write the wrote() calls described applied: the cache is now true at `positions`. Evicts and caps. */
  applied(positions: string, watermarkMicros: number): void {
    if (this.positions === undefined) return;
    this.positions = positions;
    if (watermarkMicros > this.watermarkMicros) this.watermarkMicros = watermarkMicros;
    const evictBelow = this.tileOf(this.watermarkMicros - this.layout.allowedLatenessMicros);
    if (evictBelow > this.evictBelow) {
      this.evictBelow = evictBelow;
      for (const [tile, cached] of this.tiles) if (tile < evictBelow) this.dropTile(tile, cached);
    }
    if (this.size > this.maxEntries) {
      // Starting over at the applied watermark: anything stored now holds events <= it.
      this.dropEntries();
      this.readTo = Math.max(this.readTo, this.tileOf(this.watermarkMicros), this.maxTile);
    }
  }

  private tileOf(micros: number): number {
    return Math.floor(micros / this.layout.tileMicros);
  }

  /** Forgets a tile of every entity: read from Redis if ever needed again. */
  private dropTile(tile: number, cached: TileStates): void {
    this.size -= cached.states.size;
    this.tiles.delete(tile);
    if (tile > this.readTo) this.readTo = tile;
    this.minTile = Number.POSITIVE_INFINITY;
    for (const t of this.tiles.keys()) if (t < this.minTile) this.minTile = t;
  }

  private dropEntries(): void {
    this.tiles.clear();
    this.size = 0;
    this.minTile = Number.POSITIVE_INFINITY;
  }
}
