/**
 * A Redis TileSink for crash tests of the ingest loop before the real tiles exist: per card, the count and the sum of
 * `amount` in one HASH each, written in one Lua script with the same compare-and-set on positions the real
 * stream-apply script does (stored positions JSON == expected, absent == undefined). Stands in for
 * src/online/stream-tiles.ts applyTileBatch; swap it for the real one when that is merged.
 */
import type { Redis } from 'ioredis';
import type { PartialsBuilder, PartialsResult, StreamStateUpdate, StreamTouch, TileSink } from '../../src/stream/ingest.js';
import type { StreamEvent } from '../../src/stream/events.js';
import type { Positions, StreamState } from '../../src/stream/types.js';

/** One card's count and integer amount total within a batch. */
export interface CardRow {
  card: string;
  count: number;
  sum: number;
}

// KEYS: state, counts, sums. ARGV: expected ('' = absent), positions, watermark, addEvents, addLate, addInvalid,
// updatedAt, caughtUpAt ('' = unchanged), pending, then card, count, sum triples.
const APPLY = `
local stored = redis.call('HGET', KEYS[1], 'positions')
if (stored == false and ARGV[1] ~= '') or (stored ~= false and stored ~= ARGV[1]) then return 'stale' end
for i = 10, #ARGV, 3 do
  redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1])
  redis.call('HINCRBY', KEYS[3], ARGV[i], ARGV[i + 2])
end
redis.call('HSET', KEYS[1], 'positions', ARGV[2], 'watermark', ARGV[3], 'updatedAt', ARGV[7])
redis.call('HINCRBY', KEYS[1], 'events', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'late', ARGV[5])
redis.call('HINCRBY', KEYS[1], 'invalid', ARGV[6])
if ARGV[8] ~= '' then redis.call('HSET', KEYS[1], 'caughtUpAt', ARGV[8]) end
redis.call('HSET', KEYS[1], 'pending', ARGV[9])
return 'applied'
`;


export class RedisTestSink implements TileSink<CardRow> {
  readonly stateKey: string;
  readonly countsKey: string;
  readonly sumsKey: string;
  /** Test hook: runs after a batch is written and before the loop acknowledges it (e.g. to crash there). */
  afterApply: ((batches: number) => void) | undefined;
  private batches = 0;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.stateKey = `${prefix}state`;
    this.countsKey = `${prefix}counts`;
    this.sumsKey = `${prefix}sums`;
  }

  async readState(): Promise<StreamState | undefined> {
    const h = await this.redis.hgetall(this.stateKey);
    if (h.positions === undefined) return undefined;
    const n = (v: string | undefined): number => Number(v ?? 0);
    return {
      positions: JSON.parse(h.positions) as Positions,
      watermarkMicros: n(h.watermark),
      events: n(h.events),
      late: n(h.late),
      invalid: n(h.invalid),
      updatedAtMs: n(h.updatedAt),
      caughtUpAtMs: n(h.caughtUpAt),
      pending: n(h.pending),
    };
  }

  async apply(batch: { expected: Positions | undefined; next: StreamStateUpdate; rows: CardRow[] }): Promise<'applied' | 'stale'> {
    const { next } = batch;
    const args = [
      batch.expected === undefined ? '' : JSON.stringify(batch.expected),
      JSON.stringify(next.positions),
      String(next.watermarkMicros),
      String(next.events),
      String(next.late),
      String(next.invalid),
      String(next.updatedAtMs),
      next.caughtUpAtMs === undefined ? '' : String(next.caughtUpAtMs),
      String(next.pending),
      ...batch.rows.flatMap((r) => [r.card, String(r.count), String(r.sum)]),
    ];
    const result = (await this.redis.eval(APPLY, 3, this.stateKey, this.countsKey, this.sumsKey, ...args)) as 'applied' | 'stale';
    if (result === 'applied') this.afterApply?.(++this.batches);
    return result;
  }

  async touch(update: StreamTouch): Promise<void> {
    const fields: string[] = ['updatedAt', String(update.updatedAtMs)];
    if (update.caughtUpAtMs !== undefined) fields.push('caughtUpAt', String(update.caughtUpAtMs));
    fields.push('pending', String(update.pending));
    await this.redis.hset(this.stateKey, ...fields);
  }
}

/** Count and integer sum of `amount` per card. */
export const cardPartials: PartialsBuilder<CardRow> = {
  async aggregate(events: readonly StreamEvent[]): Promise<PartialsResult<CardRow>> {
    const rows = new Map<string, CardRow>();
    for (const e of events) {
      const record = JSON.parse(e.json) as Record<string, unknown>;
      const card = String(record.card);
      const row = rows.get(card) ?? { card, count: 0, sum: 0 };
      row.count++;
      row.sum += Number(record.amount);
      rows.set(card, row);
    }
    return { rows: [...rows.values()] };
  },
};
