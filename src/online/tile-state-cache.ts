/**
 * The tile states one consumer wrote, kept so a batch's merge needs no read of Redis in steady state
 * (stream-tiles.ts applyTileBatch). Valid because this consumer's writes are sequential and each is a compare-and-set
 * on the positions the previous one set: while the cache's positions are the batch's expected ones and its write
 * applies, nobody wrote between our writes, so what we wrote is what Redis holds.
 *
 * What must still be read, for an (entity, tile) not in the cache:
 * - at or below floor(W0 / tileMicros), W0 the stored watermark when the cache (re)started: anything stored before
 *   holds events <= W0 only. Above it, a tile we did not write is absent. No stored state reads as watermark 0 (what
 *   the ingest loop and stream-apply.lua start from, and they never lower it), so tiles <= 0 are read then;
 * - below the eviction floor (the loop never writes there; another caller, or a pruned tile, is read to be exact);
 * - of an entity not written for half its hash's PEXPIRE (wall time): Redis may have expired the hash meanwhile;
 * - everything while the cache's positions are unknown (after clear(), or expected positions other than ours).
 *
 * Eviction: the loop drops events older than the watermark at a batch's start minus allowedLateness, so once a
 * watermark W is applied, tiles below floor((W - allowedLateness) / tileMicros) are never written again.
 *
 * Memory: about 250 bytes per cached tile state of a few features (the text, its Map entry, the entity's entry
 * shared by its tiles); the default cap of 1,000,000 states is ~250 MB at worst. Past the cap the cache starts over
 * from the watermark applied (a re-read of the tiles touched next), so correctness never depends on its size.
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

interface CachedEntity {
  tiles: Map<number, string>;
  /** Tiles of this entity at or below this one not in `tiles` must be read (raised when tiles are dropped). */
  readTo: number;
  writtenAtMs: number;
}

export class TileStateCache {
  private readonly entities = new Map<string, CachedEntity>();
  private size = 0;
  /** The positions JSON the cached states are true at; undefined while unknown. */
  private positions: string | undefined;
  private readTo = 0;
  private watermarkMicros = 0;
  private evictBelow = Number.NEGATIVE_INFINITY;
  /** The greatest tile written since the start: a caller's watermark may lag its rows (the loop's never does). */
  private maxTile = Number.NEGATIVE_INFINITY;
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
    const entity = this.entities.get(entityKey);
    if (entity === undefined) return tile <= this.readTo ? READ : '';
    if (nowMs - entity.writtenAtMs >= this.staleAfterMs) this.forgetTiles(entity);
    const text = entity.tiles.get(tile);
    if (text !== undefined) return text;
    return tile <= this.readTo || tile <= entity.readTo ? READ : '';
  }

  /**
   * Records what an applied write put in one entity's hash: the merged texts of its tiles, and the prune floor the
   * write sent (stream-apply.lua may have deleted the tiles below it: they are read again if ever needed).
   */
  wrote(entityKey: string, tiles: readonly number[], texts: readonly string[], pruneBelow: number | undefined, sentAtMs: number): void {
    if (this.positions === undefined) return;
    let entity = this.entities.get(entityKey);
    if (entity === undefined) {
      entity = { tiles: new Map(), readTo: Number.NEGATIVE_INFINITY, writtenAtMs: sentAtMs };
      this.entities.set(entityKey, entity);
    }
    entity.writtenAtMs = sentAtMs;
    for (let i = 0; i < tiles.length; i++) {
      const tile = tiles[i] as number;
      const before = entity.tiles.size;
      entity.tiles.set(tile, texts[i] as string);
      if (tile > this.maxTile) this.maxTile = tile;
      this.size += entity.tiles.size - before;
    }
    if (pruneBelow !== undefined && entity.readTo < pruneBelow - 1) {
      for (const tile of entity.tiles.keys()) {
        if (tile < pruneBelow) {
          entity.tiles.delete(tile);
          this.size--;
        }
      }
      entity.readTo = pruneBelow - 1;
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
      this.sweep();
    }
    if (this.size > this.maxEntries) {
      // Starting over at the applied watermark: anything stored now holds events <= it.
      this.dropEntries();
      this.readTo = Math.max(this.tileOf(this.watermarkMicros), this.maxTile);
    }
  }

  private tileOf(micros: number): number {
    return Math.floor(micros / this.layout.tileMicros);
  }

  private sweep(): void {
    for (const [entityKey, entity] of this.entities) {
      for (const tile of entity.tiles.keys()) {
        if (tile < this.evictBelow) {
          entity.tiles.delete(tile);
          this.size--;
        }
      }
      // Below the eviction floor everything is read anyway: an emptied entity needs no entry.
      if (entity.tiles.size === 0 && entity.readTo < this.evictBelow) this.entities.delete(entityKey);
    }
  }

  private forgetTiles(entity: CachedEntity): void {
    for (const tile of entity.tiles.keys()) if (tile > entity.readTo) entity.readTo = tile;
    this.size -= entity.tiles.size;
    entity.tiles.clear();
  }

  private dropEntries(): void {
    this.entities.clear();
    this.size = 0;
  }
}
