/**
 * The engine's DuckDB is limited to the repo's data roots with its configuration locked: SQL that got past the
 * parser check (or any SQL run on an engine connection) cannot read or write other files, ATTACH, INSTALL, LOAD or
 * undo the settings, while the repo's own files, the offline store and allowedPaths keep working.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeEngine, openEngine, type EngineContext } from '../../../src/engine/context.js';
import { repoProbe } from '../../../src/engine/describe.js';
import { getHistoricalFeatures } from '../../../src/engine/historical.js';
import { UnsafeSqlError } from '../../../src/engine/sql-guard.js';
import { ValidationError } from '../../../src/registry/errors.js';
import { RepoSchema, type RepoInput } from '../../../src/registry/schema.js';
import { validateRepo } from '../../../src/registry/validate.js';

let dir: string;
let repoDir: string;
let outside: string;
const entity = [{ user_id: 1, event_timestamp: new Date('2024-01-03T00:00:00Z') }];
const CSV = 'user_id,event_timestamp,clicks\n1,2024-01-01 00:00:00+00,5\n';
const SECRET_LINE = 'root:x:0:0:root:/root:/bin/bash';

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ff-lockdown-'));
  repoDir = path.join(dir, 'repo');
  outside = path.join(dir, 'shared-data');
  mkdirSync(path.join(repoDir, 'data'), { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(path.join(repoDir, 'data', 'clicks.csv'), CSV);
  writeFileSync(path.join(outside, 'clicks.csv'), CSV);
  writeFileSync(path.join(outside, 'secret.txt'), 'not for the repo\n');
  writeFileSync(path.join(repoDir, 'data', 'passwd.csv'), `${SECRET_LINE}\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const repo = (source: Record<string, unknown>, extra: Partial<RepoInput> = {}): RepoInput => ({
  project: 'lockdown',
  offlineStore: { path: 'offline' },
  entities: [{ name: 'user', joinKeys: ['user_id'] }],
  sources: [{ name: 'src', timestampField: 'event_timestamp', ...source } as NonNullable<RepoInput['sources']>[number]],
  featureViews: [{ name: 'v', entities: ['user'], source: 'src', schema: [{ name: 'clicks', dtype: 'int64' }] }],
  ...extra,
});

async function withEngine<T>(input: RepoInput, fn: (ctx: EngineContext) => Promise<T>): Promise<T> {
  const ctx = await openEngine(RepoSchema.parse(input), repoDir, { threads: 1, memoryLimit: '256MB' });
  try {
    return await fn(ctx);
  } finally {
    closeEngine(ctx);
  }
}

async function clicks(input: RepoInput): Promise<unknown> {
  return withEngine(input, async (ctx) => {
    const set = await getHistoricalFeatures(ctx, { rows: entity }, ['v:clicks']);
    try {
      return (await set.toRows())[0]?.['clicks'];
    } finally {
      set.close();
    }
  });
}

describe('engine lockdown', () => {
  const csv = { type: 'file', path: 'data/clicks.csv' };

  it.each([
    ["SELECT * FROM read_text('/etc/passwd')", /Permission Error/],
    [`SELECT * FROM read_csv('${path.join('..', 'shared-data', 'secret.txt')}')`, /Permission Error/],
    ["SELECT * FROM glob('/etc/*')", /Permission Error/],
    ["ATTACH '/tmp/ff-lockdown-attached.db' AS other", /Permission Error/],
    ['INSTALL httpfs', /Permission Error/],
    ['LOAD httpfs', /disabled/],
    ['SET enable_external_access = true', /locked/],
    ['SET GLOBAL lock_configuration = false', /locked/],
    ["SET allowed_directories = ['/']", /locked/],
    ['SET autoload_known_extensions = true', /locked/],
  ])('an engine connection cannot run %s', async (sql, error) => {
    await withEngine(repo(csv), (ctx) =>
      expect(ctx.db.withConnection((c) => c.run(sql))).rejects.toThrow(error),
    );
  });

  it('an engine connection cannot COPY to a file outside the data roots, and no file appears', async () => {
    const target = path.join(os.tmpdir(), `ff-lockdown-pwned-${process.pid}.csv`);
    await withEngine(repo(csv), (ctx) =>
      expect(ctx.db.withConnection((c) => c.run(`COPY (SELECT 'pwned' AS x) TO '${target}'`))).rejects.toThrow(/Permission Error/),
    );
    expect(existsSync(target)).toBe(false);
  });

  it('reads the repo\'s files and writes under the offline store', async () => {
    expect(await clicks(repo(csv))).toBe(5n);
    await withEngine(repo(csv), async (ctx) => {
      const file = path.join(repoDir, 'offline', 'probe.parquet');
      mkdirSync(path.dirname(file), { recursive: true });
      await ctx.db.withConnection((c) => c.run(`COPY (SELECT 1 AS x) TO '${file}' (FORMAT parquet)`));
      expect(existsSync(file)).toBe(true);
    });
  });

  it('refuses a file source outside the repo folder, by name and path, when loaded and when run', async () => {
    const escape = { type: 'file', path: '../../../../etc/passwd', format: 'csv' };
    const err = await validateRepo(repo(escape), { repoDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/sources\[0\]\.path: source "src": path "\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd" is outside the repo's folder/);
    await expect(clicks(repo(escape))).rejects.toThrow(/source "src": path "\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd" is outside/);
  });

  it('refuses a file source reached through a symbolic link inside the repo that points outside it', async () => {
    symlinkSync(outside, path.join(repoDir, 'data', 'link'));
    const linked = { type: 'file', path: 'data/link/clicks.csv' };
    const err = await validateRepo(repo(linked), { repoDir }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/source "src": path "data\/link\/clicks\.csv" is outside the repo's folder/);
    await expect(clicks(repo(linked))).rejects.toThrow(/is outside the repo's folder/);
  });

  it('refuses an offline store outside the data roots, which would open every file under it to the engine', async () => {
    const err = await validateRepo(repo(csv, { offlineStore: { path: '/' } }), { repoDir }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/offlineStore\.path: the offline store: path "\/" is outside the repo's folder/);
    await expect(clicks(repo(csv, { offlineStore: { path: '/' } }))).rejects.toThrow(/offlineStore\.path: path "\/" is outside/);
  });

  it('reads a folder outside the repo once it is listed in offlineStore.allowedPaths', async () => {
    const shared = { type: 'file', path: '../shared-data/clicks.csv' };
    await expect(clicks(repo(shared))).rejects.toThrow(/outside the repo's folder/);
    const allowed = repo(shared, { offlineStore: { path: 'offline', allowedPaths: ['../shared-data'] } });
    await expect(validateRepo(allowed, { repoDir })).resolves.toBeDefined();
    expect(await clicks(allowed)).toBe(5n);
  });

  it('a sql source reading /etc/passwd passes the parser check but DuckDB refuses the file', async () => {
    const sql = { type: 'sql', query: "SELECT 1::BIGINT AS user_id, now() AS event_timestamp, length(content) AS clicks FROM read_text('/etc/passwd')" };
    await expect(clicks(repo(sql))).rejects.toThrow(/Permission Error|may not read/);
  });

  it('an engine refuses to open for a repo whose sql source is more than one SELECT', async () => {
    const attack = {
      type: 'sql',
      query: "SELECT 1 AS user_id, now() AS event_timestamp); COPY (SELECT 'pwned' AS x) TO '/tmp/pwned.csv'; SELECT * FROM (SELECT 1",
    };
    const err = await clicks(repo(attack)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeSqlError);
    expect((err as Error).message).toMatch(/sql source "src": the query must be exactly one SELECT/);
  });

  it('refuses a transform or an aggregation filter that is not one SELECT or one expression', async () => {
    const transform = repo(csv, {
      featureViews: [{
        name: 'v', entities: ['user'], source: 'src', schema: [{ name: 'clicks', dtype: 'int64' }],
        transform: { sql: "SELECT * FROM {source}); ATTACH '/tmp/x.db' AS x; SELECT * FROM (SELECT 1" },
      }],
    });
    await expect(clicks(transform)).rejects.toThrow(/view "v": the transform SQL must be exactly one SELECT/);
    const filter = repo(csv, {
      featureViews: [{
        name: 'v', entities: ['user'], source: 'src',
        aggregation: { cadence: '1h', windows: ['1d'], features: [{ name: 'n', function: 'count', filter: "1) FROM read_text('/etc/passwd') WHERE (1" }] },
      }],
    });
    await expect(clicks(filter)).rejects.toThrow(/aggregation "n": the filter must be exactly one SQL expression/);
  });

  it('an error about a file that is not CSV data names the source and path, never the file\'s first line', async () => {
    const passwd = { type: 'file', path: 'data/passwd.csv' };
    const probe = repoProbe();
    try {
      const atLoad = await validateRepo(repo(passwd), { repoDir, describeSource: probe.describe }).catch((e: unknown) => e);
      expect(atLoad).toBeInstanceOf(ValidationError);
      expect((atLoad as Error).message).toMatch(/timestamp field "event_timestamp" is not in source "src" \(columns: 1 column, names not shown/);
      expect((atLoad as Error).message).not.toContain('root:x');
    } finally {
      await probe.close();
    }
    const atRun = await clicks(repo(passwd)).catch((e: unknown) => e);
    expect((atRun as Error).message).toMatch(/view "v"/);
    expect((atRun as Error).message).not.toContain('root:x');
    expect((atRun as Error).message).not.toContain('daemon');
  });

  it('a CSV with a bad value names the source and its path, not the value', async () => {
    writeFileSync(path.join(repoDir, 'data', 'bad.csv'), 'user_id,event_timestamp,clicks\n1,2024-01-01 00:00:00+00,5\n1,SECRETVALUE,6\n');
    const bad = { type: 'file', path: 'data/bad.csv', format: 'csv' };
    const err = await clicks(repo(bad)).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/source "src" \(file data\/bad\.csv\)/);
    expect((err as Error).message).not.toContain('SECRETVALUE');
  });
});
