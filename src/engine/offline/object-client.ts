/**
 * Listing and deleting objects, the two things DuckDB's httpfs cannot do (it reads, writes and globs). Plain
 * signed S3 REST calls (aws4fetch: SigV4 over fetch), with the same settings as DuckDB's secret.
 */
import { AwsClient } from 'aws4fetch';
import { SourceError } from '../errors.js';
import { objectUrl, type S3Settings } from '../s3-settings.js';

export interface StoredObject {
  key: string;
  lastModifiedMs: number;
  size: number;
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const unescapeXml = (text: string): string =>
  text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) =>
    e.startsWith('#x') ? String.fromCodePoint(parseInt(e.slice(2), 16)) : e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : (XML_ENTITIES[e] as string),
  );
const tag = (xml: string, name: string): string | undefined => {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return m ? unescapeXml(m[1] as string) : undefined;
};

export class ObjectClient {
  private readonly aws: AwsClient;

  constructor(
    private readonly settings: S3Settings,
    private readonly bucket: string,
  ) {
    if (!settings.accessKeyId || !settings.secretAccessKey) {
      throw new SourceError('listing and deleting objects needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment');
    }
    this.aws = new AwsClient({
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
      ...(settings.sessionToken ? { sessionToken: settings.sessionToken } : {}),
      region: settings.region,
      service: 's3',
    });
  }

  /** Every object under `prefix` (ListObjectsV2, page after page). */
  async list(prefix: string): Promise<StoredObject[]> {
    const objects: StoredObject[] = [];
    let token: string | undefined;
    do {
      const url = objectUrl(this.settings, this.bucket);
      url.searchParams.set('list-type', '2');
      url.searchParams.set('prefix', prefix);
      if (token) url.searchParams.set('continuation-token', token);
      const xml = await this.call(url, 'GET', `listing s3://${this.bucket}/${prefix}`);
      for (const block of xml.match(/<Contents>[\s\S]*?<\/Contents>/g) ?? []) {
        const key = tag(block, 'Key');
        if (key === undefined) continue;
        objects.push({ key, lastModifiedMs: Date.parse(tag(block, 'LastModified') ?? ''), size: Number(tag(block, 'Size') ?? 0) });
      }
      token = tag(xml, 'IsTruncated') === 'true' ? tag(xml, 'NextContinuationToken') : undefined;
    } while (token);
    return objects;
  }

  async delete(key: string): Promise<void> {
    await this.call(objectUrl(this.settings, this.bucket, key), 'DELETE', `deleting s3://${this.bucket}/${key}`);
  }

  private async call(url: URL, method: string, doing: string): Promise<string> {
    let response: Response;
    try {
      response = await this.aws.fetch(url.href, { method });
    } catch (err) {
      throw new SourceError(`${doing} failed: ${(err as Error).message}`, { cause: err, retryable: true });
    }
    const body = await response.text();
    if (!response.ok) {
      const code = tag(body, 'Code') ?? `HTTP ${response.status}`;
      throw new SourceError(`${doing} failed: ${code}${tag(body, 'Message') ? `: ${tag(body, 'Message')}` : ''}`, { retryable: response.status >= 500 });
    }
    return body;
  }
}
