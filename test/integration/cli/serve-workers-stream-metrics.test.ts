// `featureflow serve --workers 2` as a real process: the stream gauges and counters of /metrics are read from the
// view's state in Redis by the worker answering the scrape, after the workers' own numbers are summed, so each
// appears once with the stored value, never once per worker nor doubled.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyTileBatch } from '../../../src/online/stream-tiles.js';
import { apiRepoInput } from '../../helpers/api-repo.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';
import { waitForBanner } from '../../helpers/serve-child.js';
import { request } from '../../unit/api/http-client.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let dir: string;
let config: string;
let keyPrefix: string;
const redis = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ff-serve-workers-stream-'));
  config = path.join(dir, 'featureflow.json');
  keyPrefix = freshPrefix().replace(/:$/, '');
  const base = apiRepoInput({ url: redisUrl(), keyPrefix });
  const input = {
    ...base,
    sources: [...(base.sources ?? []), { name: 'clicks', type: 'stream', batchSource: 'events', broker: { kind: 'redis-stream', key: 'clicks', group: 'ff' } }],
    featureViews: [
      ...(base.featureViews ?? []),
      { name: 'live_clicks', entities: ['user'], source: 'clicks', aggregation: { cadence: '1m', windows: ['5m'], features: [{ name: 'n', function: 'count' }] } },
    ],
  };
  writeFileSync(config, JSON.stringify(input));
  await redis.connect();
  const applied = await applyTileBatch(redis, {
    prefix: keyPrefix,
    project: input.project,
    view: 'live_clicks',
    expected: undefined,
    next: { positions: { '0': '5-0' }, watermarkMicros: 1_700_000_000_000_000, events: 5, late: 2, invalid: 1, updatedAtMs: Date.now(), caughtUpAtMs: Date.now(), pending: 3 },
    rows: [{ entityKey: 'i1', tile: 28_333_333, states: [[0, 'count', '5']] }],
    retainTiles: 10,
    tileMs: 60_000,
    kinds: ['count'],
  });
  expect(applied).toBe('applied');
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await cleanupPrefix(redis, `${keyPrefix}:`);
  redis.disconnect();
});

async function serve(): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ['bin/featureflow.js', 'serve', '--config', config, '--port', '0', '--workers', '2'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FEATUREFLOW_TOKENS: '', FEATUREFLOW_TOKENS_FILE: '', NODE_CLUSTER_SCHED_POLICY: 'rr' },
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await waitForBanner(child, () => output, /on (http:\/\/[\d.]+:\d+) \(2 processes\)/);
  return { child, url, exited };
}

describe('serve --workers 2: stream metrics', () => {
  it('has each stream counter once, with the stored total, in every scrape', async () => {
    const served = await serve();
    try {
      let inARow = 0;
      await expect
        .poll(async () => (inARow = (await request(served.url, 'GET', '/ready')).status === 200 ? inARow + 1 : 0), { timeout: 20_000, interval: 20 })
        .toBeGreaterThanOrEqual(6);
      // Each scrape on its own connection, so both workers answer some of them.
      for (let scrape = 0; scrape < 4; scrape++) {
        const metrics = await request(served.url, 'GET', '/metrics');
        expect(metrics.status).toBe(200);
        const lines = metrics.text.split('\n').filter((l) => /^featureflow_stream_(events|late_events|invalid_events)_total|^featureflow_stream_pending/.test(l));
        expect(lines).toEqual([
          'featureflow_stream_events_total{view="live_clicks"} 5',
          'featureflow_stream_late_events_total{view="live_clicks"} 2',
          'featureflow_stream_invalid_events_total{view="live_clicks"} 1',
          'featureflow_stream_pending_messages{view="live_clicks"} 3',
        ]);
      }
    } finally {
      served.child.kill('SIGTERM');
      expect(await served.exited).toBe(0);
    }
  });
});
