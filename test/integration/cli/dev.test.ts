// `featureflow init` then `featureflow dev` on the result, as a real process tree: it starts its own Temporal dev
// server (UI included) on free ports, applies the Schedules, fills the online store, serves the API; SIGINT stops
// everything it started and exits 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectNameFor } from '../../../src/cli/init-template.js';
import { cleanupSharedPrefix } from '../../helpers/redis.js';
import { runCli } from '../../helpers/cli.js';
import { startDevServer } from '../../helpers/temporal-env.js';
import { freePort } from '../../helpers/free-port.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let root: string;
let dir: string;
let project: string;

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

interface Dev {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** The API URL, once it printed "ready". */
  url: string;
}

async function startDev(extra: string[]): Promise<Dev> {
  const child = spawn(process.execPath, ['bin/featureflow.js', 'dev', '--config', path.join(dir, 'featureflow.json'), '--port', '0', ...extra], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Waits for "ready", or fails as soon as the process exits (not after the whole timeout), with all it printed.
  const deadline = Date.now() + 110_000;
  while (!output.includes('featureflow dev: ready')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`featureflow dev ${child.exitCode === null ? 'was not ready within 110 s' : `exited ${child.exitCode}`}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const url = /API: +(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
  if (!url) throw new Error(`no API URL in:\n${output}`);
  return { child, output: () => output, exited, url };
}

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'ff-dev-'));
  // The project (and Redis key prefix) comes from the folder's name, random per run.
  dir = path.join(root, `dev-${path.basename(root).slice(-6)}`);
  project = projectNameFor(path.basename(dir));
  const init = await runCli('init', dir);
  expect(init.code, init.err).toBe(0);
});

afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await cleanupSharedPrefix(`${project}:`);
});

/**
 * dev with its Temporal dev server on free ports. A port is free when freePort() answers, but another test's server
 * can take it before the dev server binds it (the dev server then panics: "address already in use"): new ports then.
 */
async function startDevOnFreePorts(): Promise<Dev & { temporalPort: number; uiPort: number }> {
  for (let attempt = 1; ; attempt++) {
    const [temporalPort, uiPort] = [await freePort(), await freePort()];
    try {
      return { ...(await startDev(['--temporal-port', String(temporalPort), '--ui-port', String(uiPort)])), temporalPort, uiPort };
    } catch (err) {
      if (attempt >= 3 || !(err instanceof Error && err.message.includes('already in use'))) throw err;
    }
  }
}

describe('featureflow init + dev', () => {
  it('serves the scaffolded repo with Schedules and a UI, and SIGINT stops all it started with exit 0', async () => {

    const dev = await startDevOnFreePorts();
    const { temporalPort, uiPort } = dev;
    const { child, url } = dev;
    try {
      expect(dev.output()).toContain('started for featureflow dev');
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      // The plain view's Schedule was triggered and the aggregation backfilled: values arrive within seconds.
      const ask = async () => {
        const response = await fetch(`${url}/get-online-features`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ feature_service: 'user_profile', entities: { user_id: [1, 99] } }),
        });
        return { status: response.status, body: (await response.json()) as { metadata: { feature_names: string[] }; results: Array<{ statuses: string[] }> } };
      };
      await expect
        .poll(async () => (await ask()).body.results.slice(1).map((r) => r.statuses[0]), { timeout: 90_000, interval: 500 })
        .toEqual(['PRESENT', 'PRESENT', 'PRESENT', 'PRESENT']);
      const answer = await ask();
      expect(answer.status).toBe(200);
      expect(answer.body.metadata.feature_names).toEqual(['user_id', 'amount', 'category', 'purchase_count_7d', 'amount_sum_7d']);
      expect(answer.body.results.slice(1).map((r) => r.statuses[1])).toEqual(['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND']);

      const ui = await fetch(`http://127.0.0.1:${uiPort}/`);
      expect(ui.status).toBe(200);
      const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
      try {
        const client = new Client({ connection });
        const described = await client.schedule.getHandle(`featureflow:${project}:materialize:user_last_purchase`).describe();
        expect(described.action).toMatchObject({ workflowType: 'materializeIncremental' });
        // Its own dev server registered the search attributes: the backfill `dev` started is found by the UI's filters.
        const query = `FeatureflowProject = "${project}" AND FeatureflowKind = "backfill"`;
        await expect.poll(async () => (await client.workflow.count(query)).count, { timeout: 60_000, interval: 500 }).toBeGreaterThan(0);
      } finally {
        await connection.close();
      }

      child.kill('SIGINT');
      expect(await dev.exited).toBe(0);
      expect(dev.output()).toContain('featureflow dev: stopped');
      expect(await answers(temporalPort)).toBe(false);
      expect(await answers(uiPort)).toBe(false);
      expect(await answers(Number(new URL(url).port))).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('reuses a dev server that already answers on --temporal-port and leaves it running after SIGINT', async () => {
    const env = await startDevServer();
    try {
      const port = Number(env.address.split(':').at(-1));
      const dev = await startDev(['--temporal-port', String(port), '--no-schedules']);
      try {
        expect(dev.output()).toContain('already running');
        expect(dev.output()).toContain('[reused dev server]');
        expect(dev.output()).not.toContain('Temporal Schedules:');
        expect((await fetch(`${dev.url}/health`)).status).toBe(200);
        dev.child.kill('SIGINT');
        expect(await dev.exited).toBe(0);
        expect(await answers(port)).toBe(true);
        const schedules: string[] = [];
        for await (const schedule of env.client.schedule.list()) schedules.push(schedule.scheduleId);
        expect(schedules).toEqual([]);
      } finally {
        dev.child.kill('SIGKILL');
      }
    } finally {
      await env.teardown();
    }
  });
});
