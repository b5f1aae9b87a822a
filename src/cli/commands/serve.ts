/**
 * `featureflow serve`: the options and their checks. The server itself (Redis, DuckDB for pushes, the HTTP stack)
 * is in ../serve-run.ts, imported only once the options are good, so `serve --help` starts at once.
 */
import cluster from 'node:cluster';
import os from 'node:os';
import { HARD_EXIT_MS, limitsFrom, LIMIT_FLAGS, LIMIT_FLAGS_HELP } from '../serve-limits.js';
import { LOG_SERVED_HELP, logServedTargets } from '../log-served-flag.js';
import { SECURITY_HELP, SECURITY_OPTIONS, securityOptions } from '../serve-security.js';
import { resolveTemporalTarget } from '../../client/temporal-target.js';
import type { ServeOptions } from '../serve-run.js';
import {
  CONFIG_OPTION,
  helpOrNoArguments,
  parseCommandArgs,
  TEMPORAL_PREFIXED_OPTIONS,
  TEMPORAL_SERVE_PREFIX,
  temporalConnectionHelp,
  temporalTarget,
  UsageError,
} from '../args.js';

/** The port when neither --port nor FEATUREFLOW_PORT names one (docker-compose.yml publishes the same). */
export const DEFAULT_PORT = 6566;

const USAGE = `usage: featureflow serve [--config FILE] [--port 6566] [--host 127.0.0.1] [--workers N]
                       [--max-body-bytes N] [--max-values N] [...limits] [--tokens-file FILE] [--log-served S[:R]]
                       [--tls-cert FILE --tls-key FILE] [--address A] [--namespace NS] [--task-queue Q]
                       [--temporal-api-key K] [--temporal-tls] [--temporal-tls-cert-path F ...]

  -c, --config FILE      the repo config (default: featureflow.config.ts, then featureflow.json, here)
  -p, --port PORT        port to listen on (default FEATUREFLOW_PORT, else 6566; 0 picks a free one)
      --host HOST        address to bind (default FEATUREFLOW_HOST, else 127.0.0.1; 0.0.0.0 for every
                         interface)
  -w, --workers N        server processes sharing the port (default 1; "auto" = one per core)
${LOG_SERVED_HELP}
${SECURITY_HELP}
Limits (per server process; see the README's limits section):
${LIMIT_FLAGS_HELP}
Temporal, for POST /materialize and /materialize-incremental (connected on first use; settings checked at start;
the --temporal-* flags are the other commands' --api-key and --tls* flags, see docs/temporal-connections.md):
${temporalConnectionHelp(TEMPORAL_SERVE_PREFIX, true)}

Routes: POST /get-online-features, /push, /write-to-online-store, /materialize, /materialize-incremental;
        GET /health, /ready, /registry, /freshness, /metrics. Pushes with to: "offline" append Parquet files
        under <offlineStore.path>/pushed/.
SIGTERM or SIGINT: stop accepting, finish in-flight requests, exit 0 (forced after ${HARD_EXIT_MS / 1000} s).`;

const OPTIONS = {
  ...CONFIG_OPTION,
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  workers: { type: 'string', short: 'w' },
  'log-served': { type: 'string', multiple: true },
  ...SECURITY_OPTIONS,
  ...LIMIT_FLAGS,
  'task-queue': { type: 'string' },
  ...TEMPORAL_PREFIXED_OPTIONS,
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
  if (helpOrNoArguments(values.help, positionals, USAGE)) return 0;
  const options: ServeOptions = {
    config: values.config,
    // Environment defaults so a container is configured by environment only (docker-compose.yml).
    port: values.port !== undefined
      ? wholeNumber('--port', values.port, 0, 65_535)
      : wholeNumber('FEATUREFLOW_PORT', process.env.FEATUREFLOW_PORT || String(DEFAULT_PORT), 0, 65_535),
    host: values.host ?? (process.env.FEATUREFLOW_HOST || '127.0.0.1'),
    workers: values.workers === 'auto' ? os.availableParallelism() : wholeNumber('--workers', values.workers ?? '1', 1, 256),
    limits: limitsFrom(values),
    temporal: { ...temporalTarget(values, TEMPORAL_SERVE_PREFIX), taskQueue: values['task-queue'] },
    security: securityOptions(values),
    logServed: logServedTargets(values['log-served']),
  };
  // Connecting waits for the first /materialize, but a certificate without its key should stop the start.
  resolveTemporalTarget(options.temporal);
  // A worker is forked with the same argv, so it lands here too and serves.
  const { runPrimary, runServer } = await import('../serve-run.js');
  if (options.workers > 1 && cluster.isPrimary) return runPrimary(options);
  return runServer(options);
}

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return n;
}

