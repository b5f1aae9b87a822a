/**
 * `featureflow demo`: the main job end to end on generated data, run the way a deployment runs it: the registry is
 * checked and stored; computation, training sets and materialization are Temporal workflows on a worker; the online
 * store is kept fresh by Temporal Schedules (backfilled over the last hours, as the UI's Backfill button does);
 * freshness is checked against each view's SLA; features are served over HTTP.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommandArgs, TEMPORAL_OPTIONS, TEMPORAL_OPTIONS_HELP, temporalTarget, UsageError } from '../args.js';
import type { startDemoTemporal } from '../demo-temporal.js';

const USAGE = `usage: featureflow demo [--dir examples/fraud] [--small] [--keep-serving] [--port 6566] [--hours 24] [--stream-seconds 60]
                      [--address HOST:PORT --namespace NS --task-queue Q [TLS options]]

Runs the example end to end: generates data (~1M card transactions over 90 days; --small: 20,000 over 14 days), checks and applies the repo, computes the windowed aggregations as a
backfill workflow, builds a training set as a trainingSet workflow, applies the repo's Temporal Schedules and
backfills them over the last --hours (each window materialized into Redis as of its own time), checks freshness,
streams card transactions for --stream-seconds into a stream view (NATS JetStream at NATS_URL or 127.0.0.1:4222
when it answers, else a Redis Stream on the demo's Redis; 0 leaves the step out) ingested by the streamIngest workflow
while its 5-minute count is read over HTTP, and serves the features over HTTP. Temporal: the server of --address or TEMPORAL_ADDRESS (with TEMPORAL_API_KEY and
the TLS variables) when one is given, else a dev server on 127.0.0.1:7233 if one runs, else the project's own
(UI on :8233). On a shared server give the demo its own --task-queue: its worker runs the demo's code. Redis: REDIS_URL, else the repo's onlineStore.url. With --keep-serving the dev server,
the worker and the API stay up until Ctrl-C, so the Schedules can be explored (and backfilled) in the Temporal UI.
Each step says how long it took, and a summary closes the run.

Temporal (a server of your own; without --address nor TEMPORAL_ADDRESS, the dev server above):
${TEMPORAL_OPTIONS_HELP}`;
const DEFAULT_DIR = fileURLToPath(new URL('../../../examples/fraud', import.meta.url));

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    args,
    {
      dir: { type: 'string' },
      small: { type: 'boolean' },
      'keep-serving': { type: 'boolean' },
      port: { type: 'string' },
      hours: { type: 'string' },
      'stream-seconds': { type: 'string' },
      ...TEMPORAL_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const dir = path.resolve(values.dir ?? DEFAULT_DIR);
  const hours = values.hours === undefined ? 24 : Number(values.hours);
  if (!Number.isInteger(hours) || hours < 1 || hours > 24 * 14) throw new UsageError(`--hours: expected a whole number of hours from 1 to 336, got "${values.hours}"`);
  const streamSeconds = values['stream-seconds'] === undefined ? 60 : Number(values['stream-seconds']);
  if (!Number.isInteger(streamSeconds) || streamSeconds < 0 || streamSeconds > 3600) {
    throw new UsageError(`--stream-seconds: expected a whole number of seconds from 0 to 3600, got "${values['stream-seconds']}"`);
  }
  // Before any work: a TLS flag without a server to use it with is a usage error.
  const temporalChoice = temporalOptions(values);
  const { runDemo } = await import('../demo-run.js');
  return runDemo({
    dir,
    hours,
    temporalChoice,
    scale: values.small ? 'small' : 'full',
    keepServing: values['keep-serving'] === true,
    streamSeconds,
    ...(values.port !== undefined ? { port: Number(values.port) } : {}),
  });
}

/** A server of your own when an address is given (flag or TEMPORAL_ADDRESS); the dev server otherwise. */
function temporalOptions(values: Parameters<typeof temporalTarget>[0] & { 'task-queue'?: string | undefined }): Parameters<typeof startDemoTemporal>[1] {
  const target = temporalTarget(values);
  const taskQueue = values['task-queue'];
  const own = target.address || process.env.TEMPORAL_ADDRESS;
  const secured = (['apiKey', 'tls', 'tlsCertPath', 'tlsKeyPath', 'tlsCaPath', 'tlsServerName'] as const).find((k) => target[k] !== undefined);
  if (!own && secured) throw new UsageError(`${secured === 'apiKey' ? '--api-key' : 'a --tls option'} needs --address (or TEMPORAL_ADDRESS): the dev server is plaintext`);
  return { ...(own ? { server: target } : target.namespace ? { namespace: target.namespace } : {}), ...(taskQueue ? { taskQueue } : {}) };
}
