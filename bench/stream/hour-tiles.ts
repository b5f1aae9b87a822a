/**
 * The 5-window serving benches' data (bench/stream/serve-window.ts in process, bench/stream/serve-http.ts over HTTP):
 * the card view of card-view.ts (count, sum, avg, count_distinct, max) over 5m, 10m, 15m, 30m and 1h with 1-minute
 * tiles, every card holding a tile for every minute of the last hour (61 tiles of 5 features each, the
 * busiest a card gets), written with applyTileBatch as the ingest loop writes them.
 */
import type { Redis } from 'ioredis';
import { encodeEntityKey } from '../../src/online/keys.js';
import { applyTileBatch, type TileRow, type WindowSpec } from '../../src/online/stream-tiles.js';
import { KINDS, PROJECT, VIEW } from './card-view.js';

const MINUTE = 60_000_000;
export const SERVE_WINDOWS = ['5m', '10m', '15m', '30m', '1h'] as const;
export const SERVE_SPEC: WindowSpec = { kinds: KINDS, windowMicros: [5, 10, 15, 30, 60].map((m) => m * MINUTE), tileMicros: MINUTE };

/** Cards 0..entities-1 get a tile per minute of the hour before `nowMicros` and the minute holding it. */
export async function fillHourOfTiles(redis: Redis, prefix: string, nowMicros: number, entities: number): Promise<void> {
  const last = Math.floor(nowMicros / MINUTE);
  for (let from = 0; from < entities; from += 50) {
    const rows: TileRow[] = [];
    for (let card = from; card < Math.min(entities, from + 50); card++) {
      for (let tile = last - 60; tile <= last; tile++) {
        const n = 1 + ((card + tile) % 4);
        rows.push({
          entityKey: encodeEntityKey([card], ['int64'], ['card_id']),
          tile,
          states: [
            [0, 'count', String(n)],
            [1, 'sum', `${n},${n * 42.5}`],
            [2, 'avg', `${n},${n * 42.5}`],
            [3, 'count_distinct', ['"m1"', `"m${tile % 40}"`, `"m${card % 30}"`].join('\x1f')],
            [4, 'max', String(100 + (tile % 17))],
          ],
        });
      }
    }
    const next = { positions: { '0': String(from + 1) }, watermarkMicros: nowMicros, events: rows.length, late: 0, invalid: 0, updatedAtMs: Date.now(), pending: 0 };
    const expected = from === 0 ? undefined : { '0': String(from - 49) };
    const result = await applyTileBatch(redis, { prefix, project: PROJECT, view: VIEW, expected, next, rows, retainTiles: 63, tileMs: 60_000, kinds: KINDS });
    if (result !== 'applied') throw new Error(`fill batch at ${from} was ${result}`);
  }
}
