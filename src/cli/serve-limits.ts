/**
 * `featureflow serve`'s admission limits: each is a flag and an environment variable (a container is configured
 * by environment only), the flag winning. One table, so the usage text, parsing and ServerLimits keys agree.
 */
import type { ServerLimits } from '../api/context.js';
import { UsageError } from './args.js';

/** In-flight requests get this long after SIGTERM; the process exits (code 1) when it passes anyway. */
export const SHUTDOWN_MS = 10_000;
export const HARD_EXIT_MS = SHUTDOWN_MS + 5_000;

interface LimitOption {
  flag: string;
  env: string;
  key: keyof ServerLimits;
  min: number;
  help: string;
}

const LIMIT_OPTIONS: readonly LimitOption[] = [
  { flag: 'max-body-bytes', env: 'FEATUREFLOW_MAX_BODY_BYTES', key: 'maxBodyBytes', min: 1, help: 'largest request body accepted (default 1 MiB)' },
  { flag: 'max-values', env: 'FEATUREFLOW_MAX_VALUES', key: 'maxValuesPerRequest', min: 1, help: 'largest entities x features per read (default 100000)' },
  { flag: 'max-write-rows', env: 'FEATUREFLOW_MAX_WRITE_ROWS', key: 'maxRowsPerWrite', min: 1, help: 'largest rows per /push or write (default 10000)' },
  { flag: 'max-body-buffer-bytes', env: 'FEATUREFLOW_MAX_BODY_BUFFER_BYTES', key: 'maxBufferedBodyBytes', min: 1, help: 'bodies being received, all together (default 128 MiB)' },
  { flag: 'max-connections', env: 'FEATUREFLOW_MAX_CONNECTIONS', key: 'maxConnections', min: 1, help: 'open connections per process (default 1024)' },
  { flag: 'max-in-flight', env: 'FEATUREFLOW_MAX_IN_FLIGHT', key: 'maxInFlightReads', min: 1, help: 'reads worked on at once per process (default 16)' },
  { flag: 'max-queued-reads', env: 'FEATUREFLOW_MAX_QUEUED_READS', key: 'maxQueuedReadsPerClient', min: 0, help: 'reads one client may have waiting for a slot (default 64)' },
  { flag: 'read-queue-wait-ms', env: 'FEATUREFLOW_READ_QUEUE_WAIT_MS', key: 'readQueueWaitMs', min: 1, help: 'longest wait for a read slot (default 1000)' },
  { flag: 'too-large-delay-ms', env: 'FEATUREFLOW_TOO_LARGE_DELAY_MS', key: 'tooLargeAnswerDelayMs', min: 0, help: 'a REQUEST_TOO_LARGE is answered this late (default 250)' },
  { flag: 'body-idle-timeout-ms', env: 'FEATUREFLOW_BODY_IDLE_TIMEOUT_MS', key: 'bodyIdleTimeoutMs', min: 1, help: 'a body stalled this long is cut (default 10000)' },
  { flag: 'request-timeout-ms', env: 'FEATUREFLOW_REQUEST_TIMEOUT_MS', key: 'requestTimeoutMs', min: 1, help: 'a request not received by then is cut (default 30000)' },
];

/** The parseArgs options of the limit flags. */
export const LIMIT_FLAGS = Object.fromEntries(LIMIT_OPTIONS.map((o) => [o.flag, { type: 'string' }])) as Record<
  string,
  { type: 'string' }
>;

export const LIMIT_FLAGS_HELP = LIMIT_OPTIONS.map((o) => `      --${`${o.flag} N`.padEnd(24)} ${o.help}; env ${o.env}`).join('\n');

/** The limits given by flag or environment; limits given by neither are left out (the server's defaults apply). */
export function limitsFrom(values: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv = process.env): Partial<ServerLimits> {
  const out: Partial<ServerLimits> = {};
  for (const o of LIMIT_OPTIONS) {
    const flagValue = values[o.flag];
    const [name, text] = typeof flagValue === 'string' ? [`--${o.flag}`, flagValue] : [o.env, env[o.env]];
    if (text === undefined || text === '') continue;
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < o.min || n > 2 ** 31) {
      throw new UsageError(`${name} must be a whole number from ${o.min} to ${2 ** 31}, got ${JSON.stringify(text)}`);
    }
    out[o.key] = n;
  }
  return out;
}
