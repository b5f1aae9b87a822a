/** `featureflow offline sweep` from the command line: the S3 store's leftovers, a local store's dead temp files. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsClient } from 'aws4fetch';
import { ObjectClient } from '../../../src/engine/offline/object-client.js';
import { s3Settings } from '../../../src/engine/s3-settings.js';
import { RepoSchema, type Repo } from '../../../src/registry/schema.js';
import { runCli } from '../../helpers/cli.js';
import { startS3Server, type S3Server } from '../../helpers/s3-server.js';

let s3: S3Server;
let dir: string;
let restoreEnv: () => void = () => undefined;

beforeAll(async () => {
  s3 = await startS3Server();
  restoreEnv = s3.useEnv();
  dir = mkdtempSync(path.join(os.tmpdir(), 'ff-sweep-cli-'));
}, 60_000);

afterAll(async () => {
  restoreEnv();
  rmSync(dir, { recursive: true, force: true });
  await s3?.stop();
});

const loadedRepo = (config: string): Repo => RepoSchema.parse(JSON.parse(readFileSync(config, 'utf8')));

function writeRepo(name: string, offlinePath: string): string {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      project: 'sweep',
      offlineStore: { path: offlinePath, ...(offlinePath.startsWith('s3://') ? { s3: s3.repoS3() } : {}) },
      entities: [{ name: 'user', joinKeys: ['user_id'] }],
      sources: [{ name: 'events', type: 'file', path: 'events.csv', timestampField: 'ts' }],
      featureViews: [{ name: 'v', entities: ['user'], source: 'events', schema: [{ name: 'x', dtype: 'float64' }] }],
    }),
  );
  return file;
}

describe('featureflow offline sweep', () => {
  it('on S3, deletes an unpublished object only once it is older than --older-than, and --dry-run deletes nothing', async () => {
    writeFileSync(path.join(dir, 'events.csv'), 'user_id,ts,x\n1,2024-01-01T00:00:00Z,1\n');
    const config = writeRepo('s3', s3.url('cli-store'));
    const key = 'cli-store/v/date=2024-01-01/0_1-1-abc.parquet';
    // Through S3 itself, as a worker that died before publishing would have left it.
    const aws = new AwsClient({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, region: 'us-east-1', service: 's3' });
    expect((await aws.fetch(`${s3.endpoint}/${s3.bucket}/${key}`, { method: 'PUT', body: 'not parquet, never read' })).status).toBe(200);
    const objects = async (): Promise<string[]> => (await new ObjectClient(s3Settings(loadedRepo(config), process.env), s3.bucket).list('cli-store/')).map((o) => o.key);
    expect(await objects()).toEqual([key]);
    // Younger than the default hour: kept.
    const young = await runCli('offline', 'sweep', '--config', config, '--json');
    expect(young.code).toBe(0);
    expect(JSON.parse(young.out)).toMatchObject({ files: [], entries: [] });
    const dry = await runCli('offline', 'sweep', '--config', config, '--dry-run', '--older-than', '0s');
    expect(dry.out).toContain('would delete 0 superseded manifest entries and 1 unreferenced files');
    expect(dry.out).toContain(`s3://${s3.bucket}/${key}`);
    expect(await objects()).toEqual([key]);
    const done = await runCli('offline', 'sweep', '--config', config, '--older-than', '0s');
    expect(done.out).toContain('deleted 0 superseded manifest entries and 1 unreferenced files');
    expect(await objects()).toEqual([]);
  }, 60_000);

  it('on a local store, deletes temp files older than --older-than only', async () => {
    const config = writeRepo('local', 'offline');
    const date = path.join(dir, 'offline/v/date=2024-01-01');
    mkdirSync(date, { recursive: true });
    const stale = path.join(date, '.0_1.parquet.123-abcdef01.tmp');
    const fresh = path.join(date, '.1_2.parquet.123-abcdef02.tmp');
    writeFileSync(stale, 'x');
    writeFileSync(fresh, 'x');
    const old = new Date(Date.now() - 3 * 60_000);
    utimesSync(stale, old, old);
    const run = await runCli('offline', 'sweep', '--config', config, '--older-than', '2m');
    expect(run.code).toBe(0);
    expect(readdirSync(date)).toEqual([path.basename(fresh)]);
  }, 60_000);

  it('says what is wrong with a bad --older-than or action', async () => {
    expect((await runCli('offline', 'sweep', '--older-than', 'soon')).err).toMatch(/--older-than: "soon" is not a duration/);
    expect((await runCli('offline', 'compact')).err).toMatch(/unknown action "compact"; expected sweep/);
  });
});
