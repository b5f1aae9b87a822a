/**
 * CPU per event of the stream view's micro-batch partials, the JavaScript fold against DuckDB's statement, on the
 * bench's card transactions (card-view.ts) parsed as the ingest loop parses them, in batches of `--batch`.
 *
 *   flock /tmp/bench.lock node --import tsx bench/stream/fold-cost.ts [--events 200000] [--batch 5000] [--rounds 5]
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { StreamFold } from '../../src/engine/stream-fold.js';
import { StreamPartials } from '../../src/engine/stream-partials.js';
import { parseEvents } from '../../src/stream/events.js';
import { cardEvent, SPEC } from './card-view.js';
import { arg, median } from './measure.js';

const EVENTS = arg('events', 200_000);
const BATCH = arg('batch', 5000);
const ROUNDS = arg('rounds', 5);
const CARDS = 50_000;
const enc = new TextEncoder();
const startMs = Date.now() - 50 * 60_000;
const stepMs = (50 * 60_000) / 1_000_000;
const messages = Array.from({ length: EVENTS }, (_, i) => ({ partition: '0', position: String(i + 1), data: enc.encode(JSON.stringify(cardEvent(i, CARDS, startMs + i * stepMs))) }));
const rules = { joinKeys: SPEC.joinKeys, timestampField: 'ts', allowedLatenessMicros: 60_000_000 };
const batches = [];
for (let i = 0; i < EVENTS; i += BATCH) batches.push(parseEvents(messages.slice(i, i + BATCH), rules, { watermarkMicros: 0, nowMs: Date.now() }).events);

const fold = StreamFold.for(SPEC);
if (!fold) throw new Error('the bench view is not foldable in JavaScript');
const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
const conn = await instance.connect();
const sql = await StreamPartials.open(conn, SPEC);
// Events without their objects, which the fold needs: the statement runs DuckDB.
const bare = batches.map((b) => b.map((e) => ({ micros: e.micros, json: e.json })));
const js: number[] = [];
const duck: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  let c = process.cpuUsage();
  for (const b of batches) if (!fold.fold(b)) throw new Error('batch not folded');
  c = process.cpuUsage(c);
  js.push(((c.user + c.system) / EVENTS));
  c = process.cpuUsage();
  for (const b of bare) await sql.aggregate(b);
  c = process.cpuUsage(c);
  duck.push(((c.user + c.system) / EVENTS));
}
console.log(`CPU per event (median of ${ROUNDS}): JavaScript fold ${median(js).toFixed(2)} us, DuckDB statement ${median(duck).toFixed(2)} us (process, DuckDB's thread included)`);
sql.close();
conn.closeSync();
instance.closeSync();
