/**
 * The offline layout of computed rows: one file per UTC date named by its range, and recomputes that replace
 * exactly the rows of their range whatever was written before (same range, overlapping ranges, ranges inside
 * others), without duplicates or leftovers.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeFeatures } from '../../../src/engine/compute/index.js';
import type { ProgressEvent } from '../../../src/engine/progress.js';
import { at, testEngine, type TestEngine } from '../../helpers/engine.js';

let engine: TestEngine;
beforeEach(async () => {
  engine = await testEngine(
    {
      project: 'files',
      entities: [{ name: 'user', joinKeys: ['user_id'] }],
      sources: [{ name: 'events', type: 'table', table: 'events' }],
      featureViews: [{
        name: 'hourly', entities: ['user'], source: 'events',
        aggregation: { cadence: '1h', windows: ['1h'], features: [{ name: 'total', function: 'sum', column: 'x' }] },
      }],
    },
    // Two users with an event every 30 minutes over three days: every hourly tick has two rows, x = 1 each.
    {
      events: `SELECT u AS user_id, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_minutes(30 * i) AS event_timestamp, 1.0::DOUBLE AS x
        FROM range(1, 3) a(u), range(0, 144) b(i)`,
    },
  );
});
afterEach(() => engine.close());

const viewDir = () => path.join(engine.dir, '.featureflow/offline/hourly');
const us = (text: string) => at(text).getTime() * 1000;

/** Every entry under the view's folder, `date=.../name`, sorted. */
function layout(): string[] {
  return readdirSync(viewDir())
    .flatMap((dir) => readdirSync(path.join(viewDir(), dir)).map((name) => `${dir}/${name}`))
    .sort();
}

async function rows(): Promise<Array<{ user_id: number; tick: string; total_1h: number }>> {
  return engine.ctx.db.withConnection(async (conn) => {
    const reader = await conn.runAndReadAll(
      `SELECT user_id::INTEGER AS user_id, strftime(event_timestamp, '%d %H:%M') AS tick, total_1h
       FROM read_parquet('${viewDir()}/*/*.parquet', hive_partitioning = false) ORDER BY tick, user_id`,
    );
    return reader.getRowObjectsJson() as Array<{ user_id: number; tick: string; total_1h: number }>;
  });
}

/** Rows of the hourly ticks [from, to), counted in hours from 2024-01-01 00:00 (not 0: its window holds one event). */
function hours(fromHour: number, toHour: number, total = 2): Array<{ user_id: number; tick: string; total_1h: number }> {
  const out = [];
  for (let h = fromHour; h < toHour; h++) {
    const label = `${String(1 + Math.floor(h / 24)).padStart(2, '0')} ${String(h % 24).padStart(2, '0')}:00`;
    for (const user_id of [1, 2]) out.push({ user_id, tick: label, total_1h: total });
  }
  return out;
}

describe('offline layout', () => {
  it('writes one file per UTC date, named by the part of the range on that date', async () => {
    const result = await computeFeatures(engine.ctx, 'hourly', at('2024-01-01 22:00'), at('2024-01-02 02:00'));
    expect(layout()).toEqual([
      `date=2024-01-01/${us('2024-01-01 22:00')}_${us('2024-01-02 00:00')}.parquet`,
      `date=2024-01-02/${us('2024-01-02 00:00')}_${us('2024-01-02 02:00')}.parquet`,
    ]);
    expect(result.files.map((f) => path.relative(viewDir(), f))).toEqual(layout());
    expect(result.rowsWritten).toBe(8);
    expect(await rows()).toEqual(hours(22, 26));
  });

  it('reports every step, computing then one write per date, each ending done', async () => {
    const events: ProgressEvent[] = [];
    await computeFeatures(engine.ctx, 'hourly', at('2024-01-01 22:00'), at('2024-01-02 02:00'), { onProgress: (e) => events.push(e) });
    const done = events.filter((e) => e.done);
    expect(done.map((e) => [e.step, e.steps, e.label])).toEqual([
      [1, 4, 'hourly: aggregating events into buckets'],
      [2, 4, 'hourly: windowing'],
      [3, 4, 'hourly: writing date=2024-01-01'],
      [4, 4, 'hourly: writing date=2024-01-02'],
    ]);
  });
});

describe('recomputing', () => {
  it('replaces the same range in place, with the rows of the new run and no duplicates', async () => {
    await computeFeatures(engine.ctx, 'hourly', at('2024-01-01 10:00'), at('2024-01-01 14:00'));
    const before = layout();
    await engine.run('UPDATE events SET x = 10');
    await computeFeatures(engine.ctx, 'hourly', at('2024-01-01 10:00'), at('2024-01-01 14:00'));
    expect(layout()).toEqual(before);
    expect(await rows()).toEqual(hours(10, 14, 20));
  });

  it('covers [a, c) after [a, b) and [b, c) with one file and no duplicates', async () => {
    await computeFeatures(engine.ctx, 'hourly', at('2024-01-01 10:00'), at('2024-01-01 12:00'));
    await computeFeatures(engine.ctx, 'hourly', at('2024-01-01 12:00'), at('2024-01-01 14:00'));
    await computeFeatures(engine.ctx, 'hourly', at('2024-01-01 10:00'), at('2024-01-01 14:00'));
    expect(layout()).toEqual([`date=2024-01-01/${us('2024-01-01 10:00')}_${us('2024-01-01 14:00')}.parquet`]);
    expect(await rows()).toEqual(hours(10, 14));
  });

  it('keeps the rows of an older file outside a partly overlapping new range', async () => {
    await computeFeatures(engine.ctx, 'hourly', at('2024-01-01 10:00'), at('2024-01-01 14:00'));
    await engine.run('UPDATE events SET x = 10');
    await computeFeatures(engine.ctx, 'hourly', at('2024-01-01 12:00'), at('2024-01-01 16:00'));
    expect(layout()).toEqual([
      `date=2024-01-01/${us('2024-01-01 10:00')}_${us('2024-01-01 12:00')}.parquet`,
      `date=2024-01-01/${us('2024-01-01 12:00')}_${us('2024-01-01 16:00')}.parquet`,
    ]);
    expect(await rows()).toEqual([...hours(10, 12), ...hours(12, 16, 20)]);
  });

  it('splits an older file around a new range inside it', async () => {
    await computeFeatures(engine.ctx, 'hourly', at('2024-01-01 08:00'), at('2024-01-01 16:00'));
    await engine.run('UPDATE events SET x = 10');
    await computeFeatures(engine.ctx, 'hourly', at('2024-01-01 10:00'), at('2024-01-01 12:00'));
    expect(layout()).toEqual(
      [['08:00', '10:00'], ['10:00', '12:00'], ['12:00', '16:00']].map(
        ([a, b]) => `date=2024-01-01/${us(`2024-01-01 ${a}`)}_${us(`2024-01-01 ${b}`)}.parquet`,
      ),
    );
    expect(await rows()).toEqual([...hours(8, 10), ...hours(10, 12, 20), ...hours(12, 16)]);
  });

  it('heals, on a rerun of the same range, a swap interrupted after the renames (old file still in place)', async () => {
    await computeFeatures(engine.ctx, 'hourly', at('2024-01-01 08:00'), at('2024-01-01 16:00'));
    // What a crash between renaming the new files and deleting the old one leaves: every row of [10:00, 12:00)
    // and of its pieces twice.
    const dir = path.join(viewDir(), 'date=2024-01-01');
    const old = path.join(dir, `${us('2024-01-01 08:00')}_${us('2024-01-01 16:00')}.parquet`);
    for (const [a, b] of [['08:00', '10:00'], ['10:00', '12:00'], ['12:00', '16:00']]) {
      const piece = path.join(dir, `${us(`2024-01-01 ${a}`)}_${us(`2024-01-01 ${b}`)}.parquet`);
      await engine.run(`COPY (SELECT * FROM read_parquet('${old}', hive_partitioning = false) WHERE strftime(event_timestamp, '%H:%M') >= '${a}'
        AND strftime(event_timestamp, '%H:%M') < '${b}') TO '${piece}' (FORMAT parquet)`);
    }
    expect((await rows()).length).toBe(2 * hours(8, 16).length);
    await computeFeatures(engine.ctx, 'hourly', at('2024-01-01 10:00'), at('2024-01-01 12:00'));
    expect(layout()).toHaveLength(3);
    expect(await rows()).toEqual(hours(8, 16));
  });

  it('removes the rows of a range that no longer has any, leaving no file behind', async () => {
    await computeFeatures(engine.ctx, 'hourly', at('2024-01-01 23:00'), at('2024-01-02 01:00'));
    await engine.run(`DELETE FROM events WHERE event_timestamp >= TIMESTAMPTZ '2024-01-01 12:00:00+00'`);
    const result = await computeFeatures(engine.ctx, 'hourly', at('2024-01-01 23:00'), at('2024-01-02 01:00'));
    expect(result).toMatchObject({ rowsWritten: 0, files: [] });
    expect(layout()).toEqual([]);
  });
});
