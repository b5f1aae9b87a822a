/**
 * How the engine reaches S3 (or an S3-compatible server): the repo's `offlineStore.s3` block, overridden by the
 * standard AWS variables, with credentials from the environment only, so a repo file never holds a secret. The
 * same settings make DuckDB's secret (reads and writes of Parquet) and the object client (listing and deleting,
 * which DuckDB cannot do).
 */
import type { Repo } from '../registry/schema.js';
import { InvalidRequestError } from './errors.js';
import { literal } from './sql.js';

export interface S3Settings {
  /** `http://host:port` of an S3-compatible server; undefined for AWS itself. */
  endpoint?: URL;
  region: string;
  urlStyle: 'path' | 'vhost';
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
}

type Env = Record<string, string | undefined>;

const nonEmpty = (v: string | undefined): string | undefined => (v && v.trim() !== '' ? v.trim() : undefined);

export function s3Settings(repo: Pick<Repo, 'offlineStore'>, env: Env = process.env): S3Settings {
  const block = repo.offlineStore.s3 ?? {};
  const endpointText = nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? nonEmpty(env.AWS_ENDPOINT_URL) ?? block.endpoint;
  let endpoint: URL | undefined;
  if (endpointText !== undefined) {
    const from = nonEmpty(env.AWS_ENDPOINT_URL_S3) ? 'AWS_ENDPOINT_URL_S3' : nonEmpty(env.AWS_ENDPOINT_URL) ? 'AWS_ENDPOINT_URL' : 'offlineStore.s3.endpoint';
    try {
      endpoint = new URL(endpointText);
    } catch {
      throw new InvalidRequestError(`${from}: ${JSON.stringify(endpointText)} is not a URL (e.g. http://127.0.0.1:9000)`);
    }
    if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') {
      throw new InvalidRequestError(`${from}: ${JSON.stringify(endpointText)} must start with http:// or https://`);
    }
  }
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new InvalidRequestError(`AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together: only ${accessKeyId ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY'} is set`);
  }
  const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN);
  return {
    ...(endpoint ? { endpoint } : {}),
    region: nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? block.region ?? 'us-east-1',
    urlStyle: block.urlStyle ?? (endpoint ? 'path' : 'vhost'),
    ...(accessKeyId ? { accessKeyId } : {}),
    ...(secretAccessKey ? { secretAccessKey } : {}),
    ...(sessionToken ? { sessionToken } : {}),
  };
}

/** DuckDB's secret for these settings (DuckDB wants the endpoint as host:port and TLS as a flag). */
export function duckdbSecretSql(s: S3Settings): string {
  const parts = [`TYPE s3`, `REGION ${literal(s.region)}`, `URL_STYLE ${literal(s.urlStyle)}`];
  if (s.accessKeyId && s.secretAccessKey) parts.push(`KEY_ID ${literal(s.accessKeyId)}`, `SECRET ${literal(s.secretAccessKey)}`);
  if (s.sessionToken) parts.push(`SESSION_TOKEN ${literal(s.sessionToken)}`);
  if (s.endpoint) parts.push(`ENDPOINT ${literal(s.endpoint.host)}`, `USE_SSL ${s.endpoint.protocol === 'https:' ? 'true' : 'false'}`);
  return `CREATE OR REPLACE SECRET featureflow_s3 (${parts.join(', ')})`;
}

/** The HTTP URL of `s3://bucket/key` for the object client. */
export function objectUrl(s: S3Settings, bucket: string, key = ''): URL {
  const encodedKey = key.split('/').map(encodeURIComponent).join('/');
  if (s.endpoint) {
    const base = s.endpoint.href.replace(/\/+$/, '');
    return s.urlStyle === 'path' ? new URL(`${base}/${bucket}/${encodedKey}`) : new URL(`${s.endpoint.protocol}//${bucket}.${s.endpoint.host}/${encodedKey}`);
  }
  return s.urlStyle === 'path'
    ? new URL(`https://s3.${s.region}.amazonaws.com/${bucket}/${encodedKey}`)
    : new URL(`https://${bucket}.s3.${s.region}.amazonaws.com/${encodedKey}`);
}
