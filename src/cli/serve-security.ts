/**
 * `serve`'s auth and TLS options: the token source (FEATUREFLOW_TOKENS, FEATUREFLOW_TOKENS_FILE, --tokens-file),
 * reloaded on SIGHUP and when the file changes, and the certificate and key for HTTPS. Kept apart from serve.ts so
 * the command stays about processes and signals.
 */
import { readFileSync } from 'node:fs';
import type { TokenSource } from '../api/auth/token-source.js';
import { openTokenSource } from '../api/auth/token-source.js';
import { stderrLogger } from '../api/logger.js';
import { UsageError } from './args.js';

export const SECURITY_OPTIONS = {
  'tokens-file': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
} as const;

export const SECURITY_HELP = `      --tokens-file FILE API tokens (default FEATUREFLOW_TOKENS_FILE; or inline JSON in FEATUREFLOW_TOKENS);
                         without tokens auth is off. Re-read when the file changes and on SIGHUP
      --tls-cert FILE    PEM certificate (chain) to serve HTTPS (default FEATUREFLOW_TLS_CERT)
      --tls-key FILE     its PEM private key (default FEATUREFLOW_TLS_KEY)`;

export interface SecurityOptions {
  tokensFile: string | undefined;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
}

export function securityOptions(values: { 'tokens-file'?: string | undefined; 'tls-cert'?: string | undefined; 'tls-key'?: string | undefined }): SecurityOptions {
  const options = {
    tokensFile: values['tokens-file'] ?? (process.env.FEATUREFLOW_TOKENS_FILE || undefined),
    tlsCert: values['tls-cert'] ?? (process.env.FEATUREFLOW_TLS_CERT || undefined),
    tlsKey: values['tls-key'] ?? (process.env.FEATUREFLOW_TLS_KEY || undefined),
  };
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    throw new UsageError('give both --tls-cert and --tls-key (or FEATUREFLOW_TLS_CERT and FEATUREFLOW_TLS_KEY), or neither');
  }
  return options;
}

export interface Security {
  auth: TokenSource | undefined;
  tls: { cert: Buffer; key: Buffer } | undefined;
  close(): void;
}

/** Loads tokens and certificates (failing start-up when they are unreadable or invalid) and wires SIGHUP. */
export function openSecurity(options: SecurityOptions, host: string): Security {
  const auth = openTokenSource({ file: options.tokensFile, inline: process.env.FEATUREFLOW_TOKENS || undefined, logger: stderrLogger });
  let tls: Security['tls'];
  if (options.tlsCert !== undefined && options.tlsKey !== undefined) {
    try {
      tls = { cert: readFileSync(options.tlsCert), key: readFileSync(options.tlsKey) };
    } catch (err) {
      auth?.close();
      throw new UsageError(`cannot read the TLS certificate or key: ${(err as Error).message}`);
    }
  }
  if (!auth && !isLoopback(host)) {
    console.error(
      `featureflow serve: WARNING: listening on ${host} without API tokens: anyone who can reach it may read, write, ` +
        'materialize and see the registry. Give --tokens-file (see `featureflow tokens create`).',
    );
  }
  // SIGHUP's default action ends the process: always handled, even when there is no file to re-read.
  const onHup = (): void => void auth?.reload('SIGHUP');
  process.on('SIGHUP', onHup);
  return {
    auth,
    tls,
    close() {
      process.off('SIGHUP', onHup);
      auth?.close();
    },
  };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
