/** Shared argument parsing for commands: node:util parseArgs with errors turned into FeatureflowError('USAGE'). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { TemporalTarget } from '../client/temporal-target.js';
import { FeatureflowError } from '../registry/errors.js';

export class UsageError extends FeatureflowError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

// Named so declaration files (npm run build) can spell the result: inferred, it mentions a type node:util does not export.
type ParsedCommandArgs<T extends NonNullable<ParseArgsConfig['options']>> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>
>;

export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
  usageText: string,
): ParsedCommandArgs<T> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${usageText}`);
  }
}

/** The `--config` option every command takes; defaults to the repo in the current folder. */
export const CONFIG_OPTION = { config: { type: 'string', short: 'c' } } as const;

/** For commands without positional arguments: prints the usage for --help (true: stop there), refuses extras. */
export function helpOrNoArguments(help: boolean | undefined, positionals: readonly string[], usage: string): boolean {
  if (help) {
    console.log(usage);
    return true;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\n\n${usage}`);
  return false;
}

/**
 * How to reach Temporal: the options of every command that talks to it. The names are the Temporal CLI's own (its
 * `temporal options`), so are the variables they fall back to. `serve` takes the TLS ones with a `temporal-` prefix
 * (TEMPORAL_SERVE_PREFIX): its own --tls-cert/--tls-key are the certificate it serves HTTPS with.
 */
export const TEMPORAL_CONNECTION_OPTIONS = {
  address: { type: 'string' },
  namespace: { type: 'string' },
  'api-key': { type: 'string' },
  tls: { type: 'boolean' },
  'tls-cert-path': { type: 'string' },
  'tls-key-path': { type: 'string' },
  'tls-ca-path': { type: 'string' },
  'tls-server-name': { type: 'string' },
} as const;

export const TEMPORAL_OPTIONS = { 'task-queue': { type: 'string' }, ...TEMPORAL_CONNECTION_OPTIONS } as const;

export const TEMPORAL_SERVE_PREFIX = 'temporal-';
type Prefixed<T> = { readonly [K in keyof T as K extends 'address' | 'namespace' ? K : `temporal-${K & string}`]: T[K] };

/** The connection options with the TLS and API key ones renamed --temporal-* (for `serve`). */
export const TEMPORAL_PREFIXED_OPTIONS = Object.fromEntries(
  Object.entries(TEMPORAL_CONNECTION_OPTIONS).map(([name, spec]) => [prefixed(name, TEMPORAL_SERVE_PREFIX), spec]),
) as Prefixed<typeof TEMPORAL_CONNECTION_OPTIONS>;

function prefixed(name: string, prefix: string): string {
  return name === 'address' || name === 'namespace' || name === 'task-queue' ? name : `${prefix}${name}`;
}

const TASK_QUEUE_HELP = ['task-queue', 'Q', 'default FEATUREFLOW_TASK_QUEUE, else featureflow'] as const;
const CONNECTION_HELP: ReadonlyArray<readonly [string, string, string]> = [
  ['address', 'A', 'Temporal frontend host:port (default TEMPORAL_ADDRESS, else 127.0.0.1:7233)'],
  ['namespace', 'NS', 'default TEMPORAL_NAMESPACE, else default'],
  ['api-key', 'KEY', 'API key, turns TLS on; prefer TEMPORAL_API_KEY (flags show in `ps`)'],
  ['tls', '', 'connect with TLS (default TEMPORAL_TLS; implied by an API key or any TLS option)'],
  ['tls-cert-path', 'F', 'client certificate, PEM, for mTLS (TEMPORAL_TLS_CLIENT_CERT_PATH or _DATA)'],
  ['tls-key-path', 'F', 'its private key (TEMPORAL_TLS_CLIENT_KEY_PATH or _DATA)'],
  ['tls-ca-path', 'F', "CA of the server's certificate (TEMPORAL_TLS_SERVER_CA_CERT_PATH or _DATA)"],
  ['tls-server-name', 'N', "the name its certificate must carry (TEMPORAL_TLS_SERVER_NAME)"],
];

/** Help lines of TEMPORAL_CONNECTION_OPTIONS (serve: `prefix` for its renamed ones), with --task-queue first if asked. */
export function temporalConnectionHelp(prefix = '', taskQueue = false): string {
  const rows = taskQueue ? [TASK_QUEUE_HELP, ...CONNECTION_HELP] : CONNECTION_HELP;
  const flags = rows.map(([flag, meta, text]) => [`--${prefixed(flag, prefix)}${meta ? ` ${meta}` : ''}`, text] as const);
  const width = Math.max(...flags.map(([flag]) => flag.length)) + 2;
  return flags.map(([flag, text]) => `      ${flag.padEnd(width)}${text}`).join('\n');
}

export const TEMPORAL_OPTIONS_HELP = `${temporalConnectionHelp('', true)}
      (environment variables and Temporal Cloud: docs/temporal-connections.md)`;

type FlagValues = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

/**
 * The connection flags as a TemporalTarget (unset ones fall back to the environment, then the defaults, when the
 * target is resolved). `prefix`: serve's `temporal-`.
 */
export function temporalTarget(values: FlagValues, prefix = ''): TemporalTarget {
  const text = (name: string): string | undefined => {
    const value = values[prefixed(name, prefix)];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const target: TemporalTarget = {};
  const set = <K extends keyof TemporalTarget>(key: K, value: TemporalTarget[K] | undefined): void => {
    if (value !== undefined) target[key] = value;
  };
  set('address', text('address'));
  set('namespace', text('namespace'));
  set('apiKey', text('api-key'));
  set('tls', values[prefixed('tls', prefix)] === true ? true : undefined);
  set('tlsCertPath', text('tls-cert-path'));
  set('tlsKeyPath', text('tls-key-path'));
  set('tlsCaPath', text('tls-ca-path'));
  set('tlsServerName', text('tls-server-name'));
  return target;
}
