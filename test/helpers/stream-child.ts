/**
 * The ingest loop in a process of its own, for crash tests: a test starts it, SIGKILLs it mid-stream, and starts it
 * again. argv[2] is a JSON StreamChildConfig. Prints `ready` once the reader is open, then one `progress <events>`
 * line per batch written; exits 0 after SIGTERM (clean stop). With `crashAfterBatch` set, the process SIGKILLs
 * itself right after that batch is written and before it is acknowledged (the window exactly-once must survive).
 *
 * The sink is the test sink (stream-test-sink.ts): per-card counts and sums with the real compare-and-set. When
 * src/online/stream-tiles.ts and src/engine/stream-partials.ts are merged, a variant with the real pieces belongs here.
 */
import { Redis } from 'ioredis';
import { openReader } from '../../src/stream/brokers/index.js';
import { runStreamIngest } from '../../src/stream/ingest.js';
import type { StreamSource } from '../../src/registry/stream-schema.js';
import { RedisTestSink, cardPartials } from './stream-test-sink.js';

export interface StreamChildConfig {
  broker: StreamSource['broker'];
  redisUrl: string;
  /** Key prefix of the test sink. */
  prefix: string;
  batchMax?: number;
  crashAfterBatch?: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as StreamChildConfig;
const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
const sink = new RedisTestSink(redis, config.prefix);
const crashAt = config.crashAfterBatch;
if (crashAt !== undefined) {
  sink.afterApply = (batches) => {
    if (batches === crashAt) process.kill(process.pid, 'SIGKILL');
  };
}
const reader = openReader({ broker: config.broker }, { redisUrl: config.redisUrl, view: 'crash' });
const open = reader.open.bind(reader);
reader.open = async (after) => {
  await open(after);
  process.stdout.write('ready\n');
};
const controller = new AbortController();
process.once('SIGTERM', () => controller.abort());

try {
  await runStreamIngest({
    view: 'crash',
    rules: { joinKeys: ['card'], timestampField: 'ts', allowedLatenessMicros: 3_600_000_000 },
    reader,
    sink,
    partials: cardPartials,
    signal: controller.signal,
    batchMax: config.batchMax ?? 500,
    onProgress: (p) => process.stdout.write(`progress ${p.events}\n`),
  });
} finally {
  redis.disconnect();
}
