// `featureflow serve --workers 2` as a real process: a scrape of /metrics, whichever worker it reaches, counts the
// requests both workers served. node:cluster's primary hands new connections to its workers in turn (round-robin,
// the default on Linux), so requests sent each on its own connection are split between the two workers; a scrape
// that saw one worker's numbers only would count about half of them.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRepoInput } from '../../helpers/api-repo.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';
import { request } from '../../unit/api/http-client.js';
import { waitForBanner } from '../../helpers/serve-child.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const REQUESTS = 40;
let dir: string;
let config: string;
let keyPrefix: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ff-serve-workers-'));
  config = path.join(dir, 'featureflow.json');
  keyPrefix = freshPrefix().replace(/:$/, '');
  writeFileSync(config, JSON.stringify(apiRepoInput({ url: redisUrl(), keyPrefix })));
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  const redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
  try {
    await cleanupPrefix(redis, `${keyPrefix}:`);
  } finally {
    redis.disconnect();
  }
});

async function serve(): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ['bin/featureflow.js', 'serve', '--config', config, '--port', '0', '--workers', '2'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Round-robin made explicit (it is Linux's default): the primary hands connections to the workers in turn.
    env: { ...process.env, FEATUREFLOW_TOKENS: '', FEATUREFLOW_TOKENS_FILE: '', NODE_CLUSTER_SCHED_POLICY: 'rr' },
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // The primary prints the banner once both workers listen.
  const url = await waitForBanner(child, () => output, /on (http:\/\/[\d.]+:\d+) \(2 processes\)/);
  return { child, url, exited };
}

function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe('serve --workers 2: /metrics', () => {
  it('counts the requests served by both workers in every scrape', async () => {
    const served = await serve();
    try {
      // Each worker connects to Redis on its own after listening: until both have, a read may get 503. /ready (on a
      // new connection each time, so both workers answer) succeeding several times in a row means both are ready.
      let inARow = 0;
      await expect
        .poll(async () => (inARow = (await request(served.url, 'GET', '/ready')).status === 200 ? inARow + 1 : 0), { timeout: 20_000, interval: 20 })
        .toBeGreaterThanOrEqual(6);
      const read = { features: ['user_stats:clicks'], entities: { user_id: [1] } };
      // One connection per request (the helper uses no agent), so the primary spreads them over both workers.
      const answers = await Promise.all(Array.from({ length: REQUESTS }, () => request(served.url, 'POST', '/get-online-features', read)));
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));

      // Several scrapes, each on its own connection and so reaching either worker: every one has the full count.
      for (let scrape = 0; scrape < 4; scrape++) {
        const metrics = await request(served.url, 'GET', '/metrics');
        expect(metrics.status).toBe(200);
        expect(sample(metrics.text, 'featureflow_server_processes')).toBe(2);
        expect(sample(metrics.text, 'featureflow_http_requests_total{route="/get-online-features",method="POST",status="200"}')).toBe(REQUESTS);
        expect(sample(metrics.text, 'featureflow_http_request_duration_seconds_count{route="/get-online-features"}')).toBe(REQUESTS);
        expect(sample(metrics.text, 'featureflow_feature_values_total{status="NOT_FOUND"}')).toBe(REQUESTS);
        // Earlier scrapes were answered (and counted) by whichever worker got them: all of them show up too.
        expect(sample(metrics.text, 'featureflow_http_requests_total{route="/metrics",method="GET",status="200"}')).toBe(scrape === 0 ? undefined : scrape);
      }
    } finally {
      served.child.kill('SIGTERM');
      expect(await served.exited).toBe(0);
    }
  });
});
