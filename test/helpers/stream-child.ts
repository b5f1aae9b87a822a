/**
 * The real ingestion of one stream view (src/stream/run.ts ingestView: broker reader, DuckDB partials, the Redis
 * tiles and their compare-and-set script) in a process of its own, for crash tests: a test starts it, SIGKILLs it
 * mid-stream, and starts it again. argv[2] is a JSON StreamChildConfig. Prints `ready` once the reader is open,
 * then one `progress <events>` line per batch written (the view's stored total); exits 0 after SIGTERM (clean
 * stop). With `crashBeforeAck` set, the process SIGKILLs itself at that acknowledgement, i.e. right after a batch's
 * tiles and positions are written and before the broker hears of it (the window exactly-once must survive).
 */
import { openEngine, closeEngine } from '../../src/engine/index.js';
import { loadValidatedRepo } from '../../src/registry/load.js';
import { openReader } from '../../src/stream/brokers/index.js';
import { connectStreamRedis } from '../../src/stream/redis-connection.js';
import { ingestView, stderrLog } from '../../src/stream/run.js';
import type { BrokerReader } from '../../src/stream/types.js';

export interface StreamChildConfig {
  /** The repo's featureflow.json (test/helpers/stream-ingest-repo.ts). */
  configPath: string;
  view: string;
  batchMax?: number;
  /** SIGKILL itself at this reader.ack call (1 = the first batch's). */
  crashBeforeAck?: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as StreamChildConfig;
const { repo, repoDir } = await loadValidatedRepo(config.configPath);
const ctx = await openEngine(repo, repoDir, { threads: 1, memoryLimit: '256MB' });
const { redis, url } = await connectStreamRedis(repo.onlineStore);
const controller = new AbortController();
process.once('SIGTERM', () => controller.abort());

/** The real reader, announcing when it is open and dying at the configured acknowledgement. */
function instrumented(reader: BrokerReader): BrokerReader {
  let acks = 0;
  return {
    open: async (after) => {
      await reader.open(after);
      process.stdout.write('ready\n');
    },
    next: (max, waitMs) => reader.next(max, waitMs),
    ack: async (upTo) => {
      if (++acks === config.crashBeforeAck) process.kill(process.pid, 'SIGKILL');
      await reader.ack(upTo);
    },
    pending: () => reader.pending(),
    close: () => reader.close(),
  };
}

try {
  await ingestView({
    ctx,
    view: config.view,
    redis,
    redisUrl: url,
    signal: controller.signal,
    batchMax: config.batchMax ?? 500,
    openReader: (source, defaults) => instrumented(openReader(source, defaults)),
    onProgress: (p) => process.stdout.write(`progress ${p.events}\n`),
    // The test sends invalid messages on purpose and checks their count; their log lines would only bury its output.
    log: (line) => {
      if (line.message !== 'invalid stream message skipped') stderrLog(line);
    },
  });
} finally {
  redis.disconnect();
  closeEngine(ctx);
}
