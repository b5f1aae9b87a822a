/**
 * Where and how to reach Temporal, for the client and the worker alike: address, namespace, API key and TLS (server
 * CA, client certificate for mTLS, server name). Options (command-line flags) win over the environment; the
 * environment uses the variables Temporal's own CLI reads (`temporal options`), so one shell or container
 * configuration serves both `temporal` and `featureflow`. Older CLI names (TEMPORAL_TLS_CERT, ...) are accepted too.
 * Nothing here imports the SDK at run time: `serve` checks its Temporal settings at start without loading it.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { FeatureflowError } from '../registry/errors.js';

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';
export const DEFAULT_NAMESPACE = 'default';

export interface TemporalTarget {
  /** host:port of the Temporal frontend; default TEMPORAL_ADDRESS, else 127.0.0.1:7233. */
  address?: string;
  /** Default TEMPORAL_NAMESPACE, else `default`. */
  namespace?: string;
  /** Sent as `Authorization: Bearer`; turns TLS on unless tls is false. Default TEMPORAL_API_KEY. */
  apiKey?: string;
  /** true: TLS even without certificates (Temporal Cloud with an API key needs no more). Default TEMPORAL_TLS. */
  tls?: boolean;
  /** Client certificate and key for mTLS, as PEM files or PEM text. */
  tlsCertPath?: string;
  tlsKeyPath?: string;
  tlsCertData?: string;
  tlsKeyData?: string;
  /** The CA that signed the server's certificate, when the system's roots do not. */
  tlsCaPath?: string;
  tlsCaData?: string;
  /** The name the server's certificate is checked against (and SNI), when it differs from the address's host. */
  tlsServerName?: string;
  /** false: read no TEMPORAL_* variable (a local dev server must not be sent a Cloud API key found in the shell). */
  environment?: boolean;
}

/** What Connection.connect (@temporalio/client) and NativeConnection.connect (@temporalio/worker) both take. */
export interface TemporalConnectionOptions {
  address: string;
  /** false, not absent, when TLS is off: the SDK turns TLS on by itself when an API key is given. */
  tls: false | { serverRootCACertificate?: Buffer; clientCertPair?: { crt: Buffer; key: Buffer }; serverNameOverride?: string };
  apiKey?: string;
}

export interface ResolvedTemporalTarget {
  address: string;
  namespace: string;
  connection: TemporalConnectionOptions;
  /** How the connection is secured, for messages: "TLS, client certificate, API key" or "no TLS"; never the key. */
  security: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Values Go's strconv.ParseBool accepts, as the Temporal CLI reads TEMPORAL_TLS with it. */
const BOOL_TEXT = { true: true, t: true, '1': true, false: false, f: false, '0': false } as const;
const BoolText = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.enum(Object.keys(BOOL_TEXT) as [keyof typeof BOOL_TEXT, ...(keyof typeof BOOL_TEXT)[]], { error: 'expected true or false' }))
  .transform((s) => BOOL_TEXT[s]);
// A scheme or a path is the usual mistake (an HTTP URL of the UI instead of the gRPC frontend).
const Address = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+)(:\d{1,5})?$/, {
  error: 'expected host:port of the Temporal frontend (e.g. my-ns.a1b2c.tmprl.cloud:7233), without a scheme or a path',
});

const ENV = {
  address: ['TEMPORAL_ADDRESS'],
  namespace: ['TEMPORAL_NAMESPACE'],
  apiKey: ['TEMPORAL_API_KEY'],
  tls: ['TEMPORAL_TLS'],
  certPath: ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CERT'],
  certData: ['TEMPORAL_TLS_CLIENT_CERT_DATA', 'TEMPORAL_TLS_CERT_DATA'],
  keyPath: ['TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_KEY'],
  keyData: ['TEMPORAL_TLS_CLIENT_KEY_DATA', 'TEMPORAL_TLS_KEY_DATA'],
  caPath: ['TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'TEMPORAL_TLS_CA'],
  caData: ['TEMPORAL_TLS_SERVER_CA_CERT_DATA', 'TEMPORAL_TLS_CA_DATA'],
  serverName: ['TEMPORAL_TLS_SERVER_NAME'],
  disableHostVerification: ['TEMPORAL_TLS_DISABLE_HOST_VERIFICATION'],
} as const;

/** One setting's value and where it came from (a flag or a variable), to name in errors. */
interface Sourced<T> {
  value: T;
  source: string;
}

function invalid(message: string): FeatureflowError {
  return new FeatureflowError('INVALID_TEMPORAL_CONFIG', message);
}

function parsed<T>(schema: z.ZodType<T>, setting: Sourced<string>): T {
  const result = schema.safeParse(setting.value);
  if (result.success) return result.data;
  throw invalid(`${setting.source}: ${result.error.issues[0]?.message ?? 'invalid'}, got ${JSON.stringify(setting.value)}`);
}

/** The option if given (named by its flag), else the first of the variables that is set and not empty. */
function pick(option: string | undefined, flag: string, env: Env | undefined, names: readonly string[]): Sourced<string> | undefined {
  if (option) return { value: option, source: flag };
  for (const name of names) {
    const value = env?.[name];
    if (value) return { value, source: name };
  }
  return undefined;
}

type PemKind = 'certificate' | 'private key';

const PEM_MARKER: Record<PemKind, RegExp> = {
  certificate: /-----BEGIN CERTIFICATE-----/,
  'private key': /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
};

/** A PEM from a file or inline text (path and text from the same level conflict); its text is never shown. */
function pem(
  kind: PemKind,
  path: Sourced<string> | undefined,
  data: Sourced<string> | undefined,
): (Sourced<Buffer> & { origin: string }) | undefined {
  if (path && data) throw invalid(`${path.source} and ${data.source} both give the ${kind}: set one of them`);
  let bytes: Buffer;
  let origin: string;
  if (path) {
    origin = `${path.source} (${path.value})`;
    try {
      bytes = readFileSync(path.value);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw invalid(`${path.source}: cannot read the ${kind} file ${path.value}: ${code ?? (err as Error).message}`);
    }
  } else if (data) {
    origin = data.source;
    // A variable set in a single-line format (a .env file, a CI secret) often carries "\n" escapes, not newlines.
    const text = data.value.includes('\n') ? data.value : data.value.replaceAll('\\n', '\n');
    bytes = Buffer.from(text);
  } else {
    return undefined;
  }
  if (!PEM_MARKER[kind].test(bytes.toString('latin1'))) {
    throw invalid(`${origin} is not a PEM ${kind} (no "-----BEGIN ${kind === 'certificate' ? 'CERTIFICATE' : '... PRIVATE KEY'}-----" line)`);
  }
  return { value: bytes, source: (path ?? data)!.source, origin };
}

/** Options first, then (unless `environment: false`) the TEMPORAL_* variables; throws INVALID_TEMPORAL_CONFIG. */
export function resolveTemporalTarget(target: TemporalTarget = {}, environment: Env = process.env): ResolvedTemporalTarget {
  const env = target.environment === false ? undefined : environment;
  const address = temporalAddress(target, environment);
  const namespace = temporalNamespace(target, environment);
  const apiKey = pick(target.apiKey, '--api-key', env, ENV.apiKey)?.value;
  const tlsText = pick(undefined, '', env, ENV.tls);
  const explicitTls = target.tls ?? (tlsText ? parsed(BoolText, tlsText) : undefined);
  const noVerify = pick(undefined, '', env, ENV.disableHostVerification);
  if (noVerify && parsed(BoolText, noVerify)) {
    throw invalid(
      `${noVerify.source}=true is not supported: Temporal's TypeScript SDK always verifies the server's name; set ` +
        "TEMPORAL_TLS_SERVER_NAME (--tls-server-name) to the name in the server's certificate instead",
    );
  }

  const level = (option: string | undefined): Env | undefined => (option ? undefined : env);
  const cert = pem(
    'certificate',
    pick(target.tlsCertPath, '--tls-cert-path', level(target.tlsCertData), ENV.certPath),
    pick(target.tlsCertData, 'tlsCertData', level(target.tlsCertPath), ENV.certData),
  );
  const key = pem(
    'private key',
    pick(target.tlsKeyPath, '--tls-key-path', level(target.tlsKeyData), ENV.keyPath),
    pick(target.tlsKeyData, 'tlsKeyData', level(target.tlsKeyPath), ENV.keyData),
  );
  const ca = pem(
    'certificate',
    pick(target.tlsCaPath, '--tls-ca-path', level(target.tlsCaData), ENV.caPath),
    pick(target.tlsCaData, 'tlsCaData', level(target.tlsCaPath), ENV.caData),
  );
  const serverName = pick(target.tlsServerName, '--tls-server-name', env, ENV.serverName);
  if (cert && !key) throw invalid(`${cert.origin} gives a client certificate but no private key: set TEMPORAL_TLS_CLIENT_KEY_PATH (--tls-key-path) too`);
  if (key && !cert) throw invalid(`${key.origin} gives a private key but no client certificate: set TEMPORAL_TLS_CLIENT_CERT_PATH (--tls-cert-path) too`);
  const tlsOnly = cert ?? ca ?? serverName;
  if (explicitTls === false && tlsOnly) {
    const off = target.tls === false ? 'tls: false' : (tlsText?.source ?? 'TEMPORAL_TLS');
    throw invalid(`${off} turns TLS off, but ${tlsOnly.source} is a TLS setting: remove one of them`);
  }

  const tlsOn = explicitTls ?? (apiKey !== undefined || tlsOnly !== undefined);
  const tls: TemporalConnectionOptions['tls'] = tlsOn
    ? {
        ...(ca ? { serverRootCACertificate: ca.value } : {}),
        ...(cert && key ? { clientCertPair: { crt: cert.value, key: key.value } } : {}),
        ...(serverName ? { serverNameOverride: serverName.value } : {}),
      }
    : false;
  const security = [tlsOn ? 'TLS' : 'no TLS', ...(cert ? ['client certificate'] : []), ...(ca ? ['own server CA'] : []), ...(apiKey ? ['API key'] : [])];
  return { address, namespace, connection: { address, tls, ...(apiKey ? { apiKey } : {}) }, security: security.join(', ') };
}

export function temporalAddress(target: TemporalTarget = {}, environment: Env = process.env): string {
  const setting = pick(target.address, '--address', target.environment === false ? undefined : environment, ENV.address);
  return setting ? parsed(Address, setting) : DEFAULT_TEMPORAL_ADDRESS;
}

export function temporalNamespace(target: TemporalTarget = {}, environment: Env = process.env): string {
  return pick(target.namespace, '--namespace', target.environment === false ? undefined : environment, ENV.namespace)?.value ?? DEFAULT_NAMESPACE;
}

/** A failed connect as TEMPORAL_UNAVAILABLE naming the server and how it was reached (never the key itself). */
export function connectFailure(resolved: ResolvedTemporalTarget, err: unknown): FeatureflowError {
  const hint = resolved.connection.tls
    ? 'check the address, the namespace, the certificates and the API key'
    : 'set TEMPORAL_ADDRESS, or start one: temporal server start-dev';
  return new FeatureflowError(
    'TEMPORAL_UNAVAILABLE',
    `cannot reach the Temporal server at ${resolved.address} (${resolved.security}; ${hint}): ${(err as Error).message}`,
    { cause: err },
  );
}
