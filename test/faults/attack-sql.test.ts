/**
 * Fault suite, attack 1 and the file-path part of attack 5 of issue 10, as regression tests: a JSON repo's SQL
 * and file paths cannot escape the sandbox, through `featureflow plan` (the CLI, in-process) and through the engine.
 * Pass criterion: every attack refused with a clear error, no file written, no file content in any message.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeEngine, openEngine } from '../../src/engine/context.js';
import { getHistoricalFeatures } from '../../src/engine/historical.js';
import { RepoSchema, type RepoInput } from '../../src/registry/schema.js';
import { runCli } from '../helpers/cli.js';

type SourceInput = NonNullable<RepoInput['sources']>[number];

let root: string;
let pwned: string;
const SECRET_LINE = 'root:x:0:0:root:/root:/bin/bash';
const figures: string[] = [];

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'ff-attack-sql-'));
  pwned = path.join(os.tmpdir(), `ff-pwned-${process.pid}-${Date.now()}.csv`);
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(pwned, { force: true });
  for (const line of figures) console.log(line);
});

function repoWith(source: SourceInput): RepoInput {
  return {
    project: 'attack',
    offlineStore: { path: '.featureflow/offline' },
    entities: [{ name: 'user', joinKeys: ['user_id'] }],
    sources: [{ name: 'clicks', type: 'file', path: 'data/clicks.csv' }, source],
    featureViews: [{ name: 'v', entities: ['user'], source: source.name, schema: [{ name: 'clicks', dtype: 'int64' }] }],
  };
}

/** A JSON repo folder with a normal data file and `source` as its attacking source. */
function jsonRepo(name: string, source: SourceInput): string {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  writeFileSync(path.join(dir, 'data', 'clicks.csv'), 'user_id,event_timestamp,clicks\n1,2024-01-01 00:00:00+00,5\n');
  writeFileSync(path.join(dir, 'data', 'passwd.csv'), `${SECRET_LINE}\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n`);
  writeFileSync(path.join(dir, 'featureflow.json'), JSON.stringify(repoWith(source), null, 2));
  return dir;
}

async function plan(dir: string, ...extra: string[]): Promise<{ code: number; err: string }> {
  const run = await runCli('plan', '--config', path.join(dir, 'featureflow.json'), ...extra);
  return { code: run.code, err: run.err };
}

async function viaEngine(dir: string, source: SourceInput): Promise<string> {
  try {
    const ctx = await openEngine(RepoSchema.parse(repoWith(source)), dir, { threads: 1, memoryLimit: '256MB' });
    try {
      const set = await getHistoricalFeatures(ctx, { rows: [{ user_id: 1, event_timestamp: new Date('2024-01-02T00:00:00Z') }] }, ['v:clicks']);
      set.close();
    } finally {
      closeEngine(ctx);
    }
  } catch (err) {
    return `${(err as Error).message} [${(err as { code?: string }).code}]`;
  }
  return 'ran';
}

describe('attack: sql source injection and statements', () => {
  it('the "); COPY ... TO" injection is refused by plan and by the engine, and writes no file', async () => {
    const query = `SELECT 1 AS user_id, now() AS event_timestamp); COPY (SELECT 'pwned' AS x) TO '${pwned}'; SELECT * FROM (SELECT 1`;
    const source: SourceInput = { name: 'evil', type: 'sql', query };
    const dir = jsonRepo('injection', source);
    for (const extra of [[], ['--skip-data-check']]) {
      const run = await plan(dir, ...extra);
      expect(run.code).toBe(1);
      expect(run.err).toMatch(/sql source "evil": the query must be exactly one SELECT statement/);
      expect(run.err).toMatch(/3 statements/);
      expect(run.err).toMatch(/\[UNSAFE_SQL\]/);
    }
    const engine = await viaEngine(dir, source);
    expect(engine).toMatch(/UNSAFE_SQL/);
    expect(existsSync(pwned)).toBe(false);
    figures.push(`FAULT-FIGURE: attack-sql injection "); COPY": plan exit 1 UNSAFE_SQL (also with --skip-data-check), engine UNSAFE_SQL, file created: ${existsSync(pwned)}`);
  });

  it.each([
    ['ATTACH', "ATTACH '/tmp/ff-attack.db' AS other", /an ATTACH statement/],
    ['INSTALL', 'INSTALL httpfs', /a LOAD statement/],
    ['LOAD', 'LOAD httpfs', /a LOAD statement/],
    ['SET', 'SET enable_external_access = true', /a SET statement/],
    ['SELECT then ATTACH', "SELECT 1 AS user_id; ATTACH '/tmp/ff-attack.db' AS other", /2 statements \(SELECT, ATTACH\)/],
  ])('a JSON repo sql source running %s is refused by plan and by the engine', async (label, query, found) => {
    const source: SourceInput = { name: 'evil', type: 'sql', query };
    const dir = jsonRepo(`stmt-${label.replace(/\W+/g, '-')}`, source);
    const run = await plan(dir);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(found);
    expect(run.err).toMatch(/\[UNSAFE_SQL\]/);
    expect(await viaEngine(dir, source)).toMatch(/UNSAFE_SQL/);
    expect(existsSync('/tmp/ff-attack.db')).toBe(false);
    figures.push(`FAULT-FIGURE: attack-sql ${label}: plan exit ${run.code} UNSAFE_SQL, engine UNSAFE_SQL`);
  });

  it("read_text('/etc/passwd') in a JSON repo sql source is one SELECT, but DuckDB may not read the file", async () => {
    const query = "SELECT 1::BIGINT AS user_id, now() AS event_timestamp, length(content)::BIGINT AS clicks FROM read_text('/etc/passwd')";
    const source: SourceInput = { name: 'evil', type: 'sql', query };
    const dir = jsonRepo('read-text', source);
    const run = await plan(dir);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/cannot read source "evil": the engine may not read this path/);
    expect(run.err).not.toContain('root:');
    const engine = await viaEngine(dir, source);
    expect(engine).toMatch(/Permission Error|may not read/);
    expect(engine).not.toContain('root:');
    figures.push(`FAULT-FIGURE: attack-sql read_text('/etc/passwd'): plan exit ${run.code} (engine may not read this path), engine refused, content echoed: false`);
  });
});

describe('attack: file source paths', () => {
  it('a file source ../../../../etc/passwd is refused at plan time and by the engine, naming source and path', async () => {
    const source: SourceInput = { name: 'passwd', type: 'file', path: '../../../../etc/passwd', format: 'csv' };
    const dir = jsonRepo('escape', source);
    for (const extra of [[], ['--skip-data-check']]) {
      const run = await plan(dir, ...extra);
      expect(run.code).toBe(1);
      expect(run.err).toMatch(/sources\[1\]\.path: source "passwd": path "\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd" is outside the repo's folder/);
      expect(run.err).not.toContain('root:');
    }
    const engine = await viaEngine(dir, source);
    expect(engine).toMatch(/source "passwd": path "\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd" is outside/);
    figures.push('FAULT-FIGURE: attack-sql file source ../../../../etc/passwd: plan exit 1 (also with --skip-data-check), engine refused');
  });

  it("an error about a bad CSV inside the repo never contains the file's first line", async () => {
    const source: SourceInput = { name: 'bad', type: 'file', path: 'data/passwd.csv' };
    const dir = jsonRepo('bad-csv', source);
    const run = await plan(dir);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/source "bad"/);
    expect(run.err).not.toContain('root:x');
    expect(run.err).not.toContain('daemon');
    const engine = await viaEngine(dir, source);
    expect(engine).toMatch(/source "bad" \(file data\/passwd\.csv\)/);
    expect(engine).not.toContain('root:x');
    figures.push('FAULT-FIGURE: attack-sql bad CSV in repo: plan and engine errors name the source, first line echoed: false');
  });
});
