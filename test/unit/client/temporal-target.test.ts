import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectFailure, resolveTemporalTarget } from '../../../src/client/temporal-target.js';
import { parseCommandArgs, TEMPORAL_OPTIONS, TEMPORAL_PREFIXED_OPTIONS, TEMPORAL_SERVE_PREFIX, temporalTarget } from '../../../src/cli/args.js';
import { FeatureflowError } from '../../../src/registry/errors.js';

// Only the PEM markers are checked here; the TLS integration test uses real certificates.
const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const CA = '-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ff-temporal-target-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const certFile = file('client.pem', CERT);
const keyFile = file('client.key', KEY);
const caFile = file('ca.pem', CA);

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(FeatureflowError);
    expect((err as FeatureflowError).code).toBe('INVALID_TEMPORAL_CONFIG');
    return (err as Error).message;
  }
  throw new Error('expected the settings to be refused');
}

describe('resolving the Temporal target', () => {
  it('defaults to a plaintext local server in namespace default', () => {
    const r = resolveTemporalTarget({}, {});
    expect(r).toEqual({ address: '127.0.0.1:7233', namespace: 'default', connection: { address: '127.0.0.1:7233', tls: false }, security: 'no TLS' });
  });

  it('takes address, namespace and API key from the environment, and flags over the environment', () => {
    const env = { TEMPORAL_ADDRESS: 'env.example:7233', TEMPORAL_NAMESPACE: 'env-ns', TEMPORAL_API_KEY: 'env-key' };
    expect(resolveTemporalTarget({}, env)).toMatchObject({ address: 'env.example:7233', namespace: 'env-ns', connection: { apiKey: 'env-key' } });
    const flags = resolveTemporalTarget({ address: 'flag.example:7233', namespace: 'flag-ns', apiKey: 'flag-key' }, env);
    expect(flags).toMatchObject({ address: 'flag.example:7233', namespace: 'flag-ns', connection: { address: 'flag.example:7233', apiKey: 'flag-key' } });
  });

  it('turns TLS on for an API key, unless TEMPORAL_TLS is false', () => {
    const on = resolveTemporalTarget({}, { TEMPORAL_API_KEY: 'secret-key' });
    expect(on.connection).toEqual({ address: '127.0.0.1:7233', tls: {}, apiKey: 'secret-key' });
    expect(on.security).toBe('TLS, API key');
    const off = resolveTemporalTarget({}, { TEMPORAL_API_KEY: 'secret-key', TEMPORAL_TLS: 'false' });
    expect(off.connection).toEqual({ address: '127.0.0.1:7233', tls: false, apiKey: 'secret-key' });
  });

  it('reads TEMPORAL_TLS as the Temporal CLI does (true/false/1/0/t/f, any case) and --tls over it', () => {
    expect(resolveTemporalTarget({}, { TEMPORAL_TLS: 'TRUE' }).connection.tls).toEqual({});
    expect(resolveTemporalTarget({}, { TEMPORAL_TLS: '1' }).connection.tls).toEqual({});
    expect(resolveTemporalTarget({}, { TEMPORAL_TLS: '0' }).connection.tls).toBe(false);
    expect(resolveTemporalTarget({ tls: true }, { TEMPORAL_TLS: 'false' }).connection.tls).toEqual({});
    expect(resolveTemporalTarget({}, { TEMPORAL_TLS: '' }).connection.tls).toBe(false);
  });

  it('loads mTLS certificates, the server CA and the server name from files named by the environment', () => {
    const r = resolveTemporalTarget({}, {
      TEMPORAL_TLS_CLIENT_CERT_PATH: certFile,
      TEMPORAL_TLS_CLIENT_KEY_PATH: keyFile,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: caFile,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    expect(r.connection.tls).toEqual({
      clientCertPair: { crt: Buffer.from(CERT), key: Buffer.from(KEY) },
      serverRootCACertificate: Buffer.from(CA),
      serverNameOverride: 'temporal.internal',
    });
    expect(r.security).toBe('TLS, client certificate, own server CA');
  });

  it("accepts the older Temporal CLI's variable names", () => {
    const r = resolveTemporalTarget({}, { TEMPORAL_TLS_CERT: certFile, TEMPORAL_TLS_KEY: keyFile, TEMPORAL_TLS_CA_DATA: CA });
    expect(r.connection.tls).toEqual({ clientCertPair: { crt: Buffer.from(CERT), key: Buffer.from(KEY) }, serverRootCACertificate: Buffer.from(CA) });
  });

  it('takes inline PEM, also with \\n escapes as single-line secret stores write it', () => {
    const r = resolveTemporalTarget({}, { TEMPORAL_TLS_CLIENT_CERT_DATA: CERT, TEMPORAL_TLS_CLIENT_KEY_DATA: KEY.replaceAll('\n', '\\n') });
    expect(r.connection.tls).toEqual({ clientCertPair: { crt: Buffer.from(CERT), key: Buffer.from(KEY) } });
  });

  it('lets a flag path win over inline PEM in the environment', () => {
    const other = file('other.pem', CERT.replace('MIIB', 'MIIX'));
    const r = resolveTemporalTarget({ tlsCertPath: other }, { TEMPORAL_TLS_CLIENT_CERT_DATA: CERT, TEMPORAL_TLS_CLIENT_KEY_PATH: keyFile });
    expect(r.connection.tls).toMatchObject({ clientCertPair: { crt: Buffer.from(CERT.replace('MIIB', 'MIIX')) } });
  });

  it('ignores every TEMPORAL_* variable with environment: false', () => {
    const env = { TEMPORAL_ADDRESS: 'cloud:7233', TEMPORAL_API_KEY: 'k', TEMPORAL_TLS_CLIENT_CERT_PATH: '/nope' };
    expect(resolveTemporalTarget({ address: '127.0.0.1:7234', environment: false }, env).connection).toEqual({ address: '127.0.0.1:7234', tls: false });
  });
});

describe('refusing Temporal settings that cannot work', () => {
  it('names the certificate when its key is missing, and the key when its certificate is', () => {
    expect(refusal(() => resolveTemporalTarget({}, { TEMPORAL_TLS_CLIENT_CERT_PATH: certFile }))).toContain(
      `TEMPORAL_TLS_CLIENT_CERT_PATH (${certFile}) gives a client certificate but no private key`,
    );
    expect(refusal(() => resolveTemporalTarget({ tlsKeyPath: keyFile }, {}))).toContain(`--tls-key-path (${keyFile}) gives a private key but no client certificate`);
  });

  it('names the variable and the path of an unreadable file', () => {
    const missing = path.join(dir, 'missing.pem');
    expect(refusal(() => resolveTemporalTarget({}, { TEMPORAL_TLS_SERVER_CA_CERT_PATH: missing }))).toBe(
      `TEMPORAL_TLS_SERVER_CA_CERT_PATH: cannot read the certificate file ${missing}: ENOENT`,
    );
  });

  it('refuses a file that is not PEM without printing its content', () => {
    const message = refusal(() => resolveTemporalTarget({}, { TEMPORAL_TLS_CLIENT_CERT_PATH: certFile, TEMPORAL_TLS_CLIENT_KEY_DATA: 'hunter2' }));
    expect(message).toBe('TEMPORAL_TLS_CLIENT_KEY_DATA is not a PEM private key (no "-----BEGIN ... PRIVATE KEY-----" line)');
  });

  it('refuses a bad boolean, naming the variable and the value', () => {
    expect(refusal(() => resolveTemporalTarget({}, { TEMPORAL_TLS: 'yes please' }))).toBe('TEMPORAL_TLS: expected true or false, got "yes please"');
  });

  it('refuses a path and inline PEM for the same thing', () => {
    expect(refusal(() => resolveTemporalTarget({}, { TEMPORAL_TLS_SERVER_CA_CERT_PATH: caFile, TEMPORAL_TLS_SERVER_CA_CERT_DATA: CA }))).toBe(
      'TEMPORAL_TLS_SERVER_CA_CERT_PATH and TEMPORAL_TLS_SERVER_CA_CERT_DATA both give the certificate: set one of them',
    );
  });

  it('refuses TLS turned off next to a TLS setting', () => {
    expect(refusal(() => resolveTemporalTarget({}, { TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_NAME: 'x' }))).toBe(
      'TEMPORAL_TLS turns TLS off, but TEMPORAL_TLS_SERVER_NAME is a TLS setting: remove one of them',
    );
  });

  it('refuses disabling host verification, which the TypeScript SDK cannot do, and points at the server name', () => {
    expect(refusal(() => resolveTemporalTarget({}, { TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' }))).toContain('set TEMPORAL_TLS_SERVER_NAME');
    expect(resolveTemporalTarget({}, { TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'false' }).connection.tls).toBe(false);
  });

  it('refuses an address with a scheme', () => {
    expect(refusal(() => resolveTemporalTarget({}, { TEMPORAL_ADDRESS: 'https://temporal.example:7233' }))).toMatch(
      /^TEMPORAL_ADDRESS: expected host:port .*, got "https:\/\/temporal.example:7233"$/,
    );
  });
});

describe('a failed connection', () => {
  it('names the address and how it was secured, never the API key', () => {
    const resolved = resolveTemporalTarget({ address: 'ns.acct.tmprl.cloud:7233', apiKey: 'very-secret-key' }, {});
    const err = connectFailure(resolved, new Error('14 UNAVAILABLE: connection refused'));
    expect(err.code).toBe('TEMPORAL_UNAVAILABLE');
    expect(err.message).toContain('ns.acct.tmprl.cloud:7233 (TLS, API key;');
    expect(err.message).not.toContain('very-secret-key');
  });
});

describe('the Temporal connection flags', () => {
  it('become a TemporalTarget with only the flags given', () => {
    const args = ['--address', 'h:7233', '--api-key', 'k', '--tls', '--tls-cert-path', 'c.pem', '--tls-key-path', 'k.pem', '--tls-ca-path', 'ca.pem', '--tls-server-name', 'n'];
    const { values } = parseCommandArgs(args, TEMPORAL_OPTIONS, 'usage');
    expect(temporalTarget(values)).toEqual({ address: 'h:7233', apiKey: 'k', tls: true, tlsCertPath: 'c.pem', tlsKeyPath: 'k.pem', tlsCaPath: 'ca.pem', tlsServerName: 'n' });
    expect(temporalTarget(parseCommandArgs([], TEMPORAL_OPTIONS, 'usage').values)).toEqual({});
  });

  it("are prefixed temporal- for serve, whose --tls-cert is its own HTTPS certificate", () => {
    const { values } = parseCommandArgs(['--namespace', 'ns', '--temporal-tls', '--temporal-api-key', 'k'], TEMPORAL_PREFIXED_OPTIONS, 'usage');
    expect(temporalTarget(values, TEMPORAL_SERVE_PREFIX)).toEqual({ namespace: 'ns', tls: true, apiKey: 'k' });
    expect(Object.keys(TEMPORAL_PREFIXED_OPTIONS)).not.toContain('tls-cert-path');
  });
});
