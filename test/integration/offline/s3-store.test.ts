/**
 * The offline store on S3 (a real `rclone serve s3`): computed rows written through DuckDB's httpfs under unique
 * keys and published by manifest entries, so reruns and overlapping ranges never read a row twice, objects nobody
 * published are never read, two writers of one date at once keep both their ranges, and pushed rows land there too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeFeatures } from '../../../src/engine/compute/index.js';
import { liveItems } from '../../../src/engine/offline/manifest.js';
import { sweepOffline } from '../../../src/engine/offline/sweep.js';
import { appendPushedRows } from '../../../src/engine/pushed-append.js';
import { readServedRows, writeServedRows } from '../../../src/engine/served-log.js';
import { sourceRelation } from '../../../src/engine/sources.js';
import { TS, viewRows } from '../../../src/engine/view-rows.js';
import { findView } from '../../../src/registry/features.js';
import type { RepoInput } from '../../../src/registry/schema.js';
import { at, testEngine, type TestEngine } from '../../helpers/engine.js';
import { startS3Server, type S3Server } from '../../helpers/s3-server.js';

let s3: S3Server;
let restoreEnv: () => void = () => undefined;

beforeAll(async () => {
  s3 = await startS3Server();
  restoreEnv = s3.useEnv();
}, 60_000);

afterAll(async () => {
  restoreEnv();
  await s3?.stop();
});

let prefixes = 0;
function repo(): RepoInput {
  prefixes += 1;
  return {
    project: 's3store',
    offlineStore: { path: s3.url(`store-${prefixes}-${Date.now()}`), s3: s3.repoS3() },
    entities: [{ name: 'user', joinKeys: ['user_id'] }],
    sources: [
      { name: 'events', type: 'table', table: 'events' },
      { name: 'clicks', type: 'push', batchSource: 'events', timestampField: 'event_timestamp' },
    ],
    featureViews: [
      {
        name: 'hourly', entities: ['user'], source: 'events',
        aggregation: { cadence: '1h', windows: ['1h'], features: [{ name: 'total', function: 'sum', column: 'x' }] },
      },
    ],
  } as RepoInput;
}

// Two users with an event every 30 minutes over three days: every hourly tick has two rows, x = 1 each.
const EVENTS = `SELECT u AS user_id, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_minutes(30 * i) AS event_timestamp, 1.0::DOUBLE AS x
  FROM range(1, 3) a(u), range(0, 144) b(i)`;

async function engine(): Promise<TestEngine> {
  return testEngine(repo(), { events: EVENTS });
}

/** The view's rows as training and materialization read them: tick, user, total; sorted. */
async function rows(e: TestEngine): Promise<string[]> {
  await e.ctx.offline.refresh();
  if (!e.ctx.offline.computedFiles('hourly')) return [];
  const relation = viewRows(e.ctx, findView(e.ctx.repo, 'hourly'), ['total_1h']).relation;
  return e.ctx.db.withConnection(async (conn) => {
    const reader = await conn.runAndReadAll(
      `SELECT strftime(${TS}, '%d %H:%M') || ' u' || user_id || ' ' || total_1h FROM ${relation} ORDER BY 1`,
    );
    return reader.getRowsJS().map((r) => String(r[0]));
  });
}

function ticks(fromHour: number, toHour: number): string[] {
  const out: string[] = [];
  for (let h = fromHour; h < toHour; h++) {
    const label = `${String(1 + Math.floor(h / 24)).padStart(2, '0')} ${String(h % 24).padStart(2, '0')}:00`;
    for (const u of [1, 2]) out.push(`${label} u${u} 2.0`);
  }
  return out.sort();
}

describe('offline store on S3', () => {
  it('reads back exactly the rows computed, across dates', async () => {
    const e = await engine();
    try {
      const result = await computeFeatures(e.ctx, 'hourly', at('2024-01-01 22:00'), at('2024-01-02 03:00'));
      expect(result.rowsWritten).toBe(10);
      expect(result.files.every((f) => f.startsWith('s3://'))).toBe(true);
      expect(await rows(e)).toEqual(ticks(22, 27));
    } finally {
      e.close();
    }
  }, 60_000);

  it('a rerun of the same range and an overlapping range leave each row once', async () => {
    const e = await engine();
    try {
      await computeFeatures(e.ctx, 'hourly', at('2024-01-01 01:00'), at('2024-01-01 10:00'));
      await computeFeatures(e.ctx, 'hourly', at('2024-01-01 01:00'), at('2024-01-01 10:00'));
      await computeFeatures(e.ctx, 'hourly', at('2024-01-01 05:00'), at('2024-01-01 12:00'));
      await computeFeatures(e.ctx, 'hourly', at('2024-01-01 03:00'), at('2024-01-01 04:00'));
      expect(await rows(e)).toEqual(ticks(1, 12));
      // The first run's object is superseded, not deleted: readers that listed it a moment ago may still read it.
      // The second run's object is read in part: the third and fourth runs cover the rest.
      const items = e.ctx.offline.manifestItems('hourly');
      expect(items.length).toBeGreaterThan(liveItems(items).length);
      expect(liveItems(items).some((i) => i.parts.length === 2)).toBe(true);
    } finally {
      e.close();
    }
  }, 60_000);

  it('an empty rerun of a range removes its rows (published as a range without an object)', async () => {
    const e = await engine();
    try {
      await computeFeatures(e.ctx, 'hourly', at('2024-01-01 01:00'), at('2024-01-01 04:00'));
      await e.run(`DELETE FROM events WHERE event_timestamp >= TIMESTAMPTZ '2024-01-01 01:00:00+00' AND event_timestamp < TIMESTAMPTZ '2024-01-01 03:00:00+00'`);
      await computeFeatures(e.ctx, 'hourly', at('2024-01-01 02:00'), at('2024-01-01 03:00'));
      expect(await rows(e)).toEqual([...ticks(1, 2), ...ticks(3, 4)].sort());
    } finally {
      e.close();
    }
  }, 60_000);

  it('a date the validation gate blocks publishes nothing: readers keep the previous rows', async () => {
    const input = repo();
    const views = (input.featureViews ?? []).map((v) => ({ ...v, validation: [{ rule: 'range', feature: 'total_1h', max: 2 }] }));
    const e = await testEngine({ ...input, featureViews: views } as RepoInput, { events: EVENTS });
    try {
      await computeFeatures(e.ctx, 'hourly', at('2024-01-01 01:00'), at('2024-01-01 04:00'));
      const entries = e.ctx.offline.manifestItems('hourly').length;
      await e.run(`UPDATE events SET x = 5.0 WHERE event_timestamp >= TIMESTAMPTZ '2024-01-01 02:00:00+00'`);
      await expect(computeFeatures(e.ctx, 'hourly', at('2024-01-01 01:00'), at('2024-01-01 04:00'))).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        message: expect.stringMatching(/range "total_1h": 4 of 6 rows out of range; e\.g\. 1,2024-01-01 02:00:00\+00=6\.0, /),
      });
      await e.ctx.offline.refresh();
      expect(e.ctx.offline.manifestItems('hourly')).toHaveLength(entries);
      expect(await rows(e)).toEqual(ticks(1, 4));
    } finally {
      e.close();
    }
  }, 60_000);

  it('never reads an object no manifest entry published (a writer that died before publishing)', async () => {
    const e = await engine();
    try {
      await computeFeatures(e.ctx, 'hourly', at('2024-01-01 01:00'), at('2024-01-01 03:00'));
      const store = e.ctx.offline.location.kind === 's3' ? e.ctx.offline.location.url : '';
      await e.run(`COPY (SELECT 9 AS user_id, TIMESTAMPTZ '2024-01-01 01:00:00+00' AS event_timestamp, 99.0 AS total_1h)
        TO '${store}/hourly/date=2024-01-01/0_1-1-deadbeef.parquet' (FORMAT parquet)`);
      expect(await rows(e)).toEqual(ticks(1, 3));
    } finally {
      e.close();
    }
  }, 60_000);

  it('two writers of different ranges of one date at once keep both', async () => {
    const a = await engine();
    // The same store from a second engine, as a second worker would open it.
    const b = await testEngine(a.ctx.repo as RepoInput, { events: EVENTS });
    try {
      await Promise.all([
        computeFeatures(a.ctx, 'hourly', at('2024-01-02 01:00'), at('2024-01-02 06:00')),
        computeFeatures(b.ctx, 'hourly', at('2024-01-02 06:00'), at('2024-01-02 11:00')),
      ]);
      expect(await rows(a)).toEqual(ticks(25, 35));
      expect(await rows(b)).toEqual(ticks(25, 35));
    } finally {
      a.close();
      b.close();
    }
  }, 60_000);

  it('sweep deletes superseded entries and unpublished objects, and what readers see stays the same', async () => {
    const e = await engine();
    try {
      await computeFeatures(e.ctx, 'hourly', at('2024-01-01 01:00'), at('2024-01-01 10:00'));
      await computeFeatures(e.ctx, 'hourly', at('2024-01-01 01:00'), at('2024-01-01 10:00'));
      await computeFeatures(e.ctx, 'hourly', at('2024-01-01 04:00'), at('2024-01-01 06:00'));
      const store = e.ctx.offline.location.kind === 's3' ? e.ctx.offline.location.url : '';
      const unpublished = `${store}/hourly/date=2024-01-01/0_1-1-deadbeef.parquet`;
      await e.run(`COPY (SELECT 9 AS user_id, TIMESTAMPTZ '2024-01-01 01:00:00+00' AS event_timestamp, 99.0 AS total_1h) TO '${unpublished}' (FORMAT parquet)`);
      const before = await rows(e);
      // Within the grace period nothing goes.
      expect(await sweepOffline(e.ctx)).toMatchObject({ entries: [], files: [] });
      const dry = await sweepOffline(e.ctx, { graceMs: 0, dryRun: true, nowMs: Date.now() + 1000 });
      // The first run's entry and object (the second covers all of its range) and the unpublished object; the
      // second run's object stays, still read outside the third run's range.
      expect(dry.entries).toHaveLength(1);
      expect(dry.files).toContain(unpublished);
      expect(dry.files).toHaveLength(2);
      const swept = await sweepOffline(e.ctx, { graceMs: 0, nowMs: Date.now() + 1000 });
      expect(swept.files.sort()).toEqual(dry.files.sort());
      expect(await rows(e)).toEqual(before);
      expect(await sweepOffline(e.ctx, { graceMs: 0, nowMs: Date.now() + 1000 })).toMatchObject({ entries: [], files: [] });
      expect(await rows(e)).toEqual(ticks(1, 10));
    } finally {
      e.close();
    }
  }, 60_000);

  it('pushed rows go to the store and are read with the batch source', async () => {
    const e = await engine();
    try {
      const file = await appendPushedRows(e.ctx, 'clicks', [
        { name: 'user_id', dtype: 'int64' },
        { name: 'event_timestamp', dtype: 'timestamp' },
        { name: 'x', dtype: 'float64' },
      ], [[7n, { micros: BigInt(Date.parse('2024-01-03T23:59:00Z')) * 1000n }, 5]]);
      expect(file.startsWith('s3://')).toBe(true);
      await e.ctx.offline.refresh();
      expect(e.ctx.offline.pushedFiles('clicks')).toEqual([file]);
      const pushed = await e.ctx.db.withConnection(async (conn) =>
        (await conn.runAndReadAll(`SELECT count(*)::INTEGER, sum(x) FROM ${sourceRelation(e.ctx, 'clicks')} WHERE user_id = 7`)).getRowsJS()[0],
      );
      expect(pushed).toEqual([1, 5]);
    } finally {
      e.close();
    }
  }, 60_000);

  it('the serving log goes straight to unique keys, is read back by range, and sweep leaves it alone', async () => {
    const e = await engine();
    try {
      const micros = (iso: string): number => Date.parse(iso) * 1000;
      const row = (iso: string, id: number) => ({ requestMicros: micros(iso), entities: { user_id: id }, values: { 'v:f': id * 1.5 }, statuses: { 'v:f': 'PRESENT' } });
      const files = await writeServedRows(e.ctx, 'svc', [row('2024-01-01T23:59:00Z', 1), row('2024-01-02T00:01:00Z', 2)]);
      expect(files).toHaveLength(2);
      expect(files.every((f) => /^s3:\/\/.*\/_served\/svc\/date=2024-01-0[12]\/\d+-\d+-[0-9a-f]+\.parquet$/.test(f))).toBe(true);
      const read = await readServedRows(e.ctx, 'svc', new Date('2024-01-02T00:00:00Z'), new Date('2024-01-03T00:00:00Z'));
      expect(read).toEqual([row('2024-01-02T00:01:00Z', 2)]);
      expect((await sweepOffline(e.ctx, { graceMs: 0, nowMs: Date.now() + 1000 })).files).toEqual([]);
      expect(await readServedRows(e.ctx, 'svc', new Date('2024-01-01T00:00:00Z'), new Date('2024-01-03T00:00:00Z'))).toHaveLength(2);
    } finally {
      e.close();
    }
  }, 60_000);
});
