/**
 * The checkFreshness workflow on a real dev server and a real Redis, with a local HTTP webhook receiver: a breach
 * and a recovery each alert once (POST and log line) and are recorded; a flaky receiver gets its alert through
 * Temporal's retries; a refused alert fails the run naming its view and is due again; GET /freshness and the CLI
 * answer before any check ran. Watermarks are staged relative to now with margins of an hour, so a slow machine
 * cannot move a view across its SLA during a test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/api/logger.js';
import { createServer } from '../../../src/api/server.js';
import type { FreshnessAlertLog, FreshnessAlertPayload } from '../../../src/freshness/alert.js';
import { loadValidatedRepo } from '../../../src/registry/load.js';
import type { CheckFreshnessInput } from '../../../src/workflows/contracts/check-freshness.js';
import { recordHistory } from '../../replay/record.js';
import { cli, PROJECT, startFreshnessEnv, WEBHOOK_PATH, type Delivery, type FreshnessEnv } from './freshness-env.js';

const HOUR = 3_600_000;
let f: FreshnessEnv;

beforeAll(async () => {
  f = await startFreshnessEnv();
});

afterAll(async () => {
  await f?.close();
});

const deliveriesOf = (view: string): Delivery[] => f.deliveries.filter((d) => d.payload.view === view);
const logsOf = (view: string): FreshnessAlertLog[] => f.logs.filter((l) => l.view === view);

describe('freshness before any check', () => {
  it('GET /freshness, /metrics and the CLI answer from the watermarks alone', async () => {
    const stale = await f.stage('user_stats', 2 * HOUR);
    await f.stage('merchant_stats', 60_000);
    const { repo } = await loadValidatedRepo(f.config);
    const api = createServer({ repo, store: f.store, logger: silentLogger });
    const { url } = await api.listen(0);
    try {
      const res = await fetch(`${url}/freshness`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { checkedAt: string; views: Array<Record<string, unknown>> };
      expect(body.views.map((v) => [v.view, v.status])).toEqual([
        ['user_stats', 'stale'],
        ['merchant_stats', 'fresh'],
        ['pair_a', 'unknown'],
        ['pair_b', 'unknown'],
        ['no_sla', 'unknown'],
      ]);
      expect(body.views[0]).toMatchObject({
        maxStalenessSeconds: 3600,
        newestEventTime: stale.newestEvent,
        lastMaterializedAt: stale.at,
        checkedAt: body.checkedAt,
        lastAlert: null,
        stalenessSeconds: (Date.parse(body.checkedAt) - Date.parse(stale.newestEvent)) / 1000,
      });
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/^featureflow_feature_view_staleness_seconds\{view="user_stats"\} \d+(\.\d+)?$/m);
      expect(metrics).toContain(`featureflow_feature_view_last_materialized_timestamp_seconds{view="merchant_stats"} `);
    } finally {
      await api.close();
    }

    const table = await cli('freshness', '--config', f.config, '--views', 'user_stats,merchant_stats');
    expect(table.code).toBe(3);
    expect(table.out).toContain(`Freshness of project "${PROJECT}" at `);
    expect(table.out).toContain('1 stale view');
    expect(table.out).toMatch(/^user_stats\s+stale\s+2h( \d+m)?\s+1h\s+/m);
    expect(table.out).toMatch(/^merchant_stats\s+fresh\s+1m\s+1h\s+/m);

    const json = await cli('freshness', '--config', f.config, '--views', 'merchant_stats', '--json');
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.out) as { project: string; views: Array<{ view: string; status: string }> };
    expect(parsed.project).toBe(PROJECT);
    expect(parsed.views.map((v) => [v.view, v.status])).toEqual([['merchant_stats', 'fresh']]);

    expect((await cli('freshness', '--config', f.config, '--views', 'archive')).code).toBe(1);
    // Nothing was checked, recorded or sent: the answers were computed on the spot.
    expect((await f.store.getFreshnessRecords(PROJECT)).checks.size).toBe(0);
    expect(f.deliveries).toEqual([]);
  });
});

describe('checkFreshness', () => {
  it('alerts a breach once: one POST with the alert, one log line, the state recorded; quiet while it stays stale', async () => {
    const staged = await f.stage('user_stats', 2 * HOUR);
    const { workflowId, result } = await f.runCheck({ views: ['user_stats'] });
    await recordHistory(f.env.client, 'check-freshness-breach', workflowId);

    expect(result.alerts).toEqual([{ view: 'user_stats', kind: 'breach' }]);
    const [entry] = result.entries;
    expect(entry).toMatchObject({ view: 'user_stats', status: 'stale', checkedAt: result.checkedAt, lastAlert: { status: 'stale' } });

    const [delivery, ...more] = deliveriesOf('user_stats');
    expect(more).toEqual([]);
    const id = `${PROJECT}:user_stats:breach:${result.checkedAt}`;
    expect(delivery?.path).toBe(WEBHOOK_PATH);
    expect(delivery?.headers['content-type']).toBe('application/json');
    expect(delivery?.headers['idempotency-key']).toBe(id);
    expect(delivery?.payload).toEqual({
      type: 'featureflow.freshness.breach',
      id,
      kind: 'breach',
      project: PROJECT,
      view: 'user_stats',
      status: 'stale',
      stalenessSeconds: (Date.parse(result.checkedAt) - Date.parse(staged.newestEvent)) / 1000,
      maxStalenessSeconds: 3600,
      newestEventTime: staged.newestEvent,
      lastMaterializedAt: staged.at,
      sinceLastMaterializationSeconds: (Date.parse(result.checkedAt) - Date.parse(staged.at)) / 1000,
      checkedAt: result.checkedAt,
      text: expect.stringMatching(/^\[fresh\] feature view "user_stats" is STALE: newest event 2h( \d+m)? old \(max 1h\)/),
    });

    expect(logsOf('user_stats')).toEqual([
      { level: 'warn', message: delivery?.payload.text, ...withoutText(delivery?.payload), webhook: f.receiverUrl },
    ]);

    const records = await f.store.getFreshnessRecords(PROJECT);
    expect(records.alerts.get('user_stats')).toEqual(entry?.lastAlert);
    expect(records.checks.get('user_stats')).toEqual({ status: 'stale', stalenessSeconds: entry?.stalenessSeconds, checkedAt: result.checkedAt });

    const again = await f.runCheck({ views: ['user_stats'] });
    expect(again.result.alerts).toEqual([]);
    expect(again.result.entries[0]).toMatchObject({ status: 'stale', lastAlert: entry?.lastAlert });
    expect(deliveriesOf('user_stats')).toHaveLength(1);
    expect(logsOf('user_stats')).toHaveLength(1);
    expect((await f.store.getFreshnessRecords(PROJECT)).checks.get('user_stats')?.checkedAt).toBe(again.result.checkedAt);
  });

  it('alerts a recovery once when a stale view is fresh again', async () => {
    await f.store.recordAlert(PROJECT, 'user_stats', { status: 'stale', at: new Date(Date.now() - HOUR).toISOString() });
    await f.stage('user_stats', 60_000);
    const before = deliveriesOf('user_stats').length;
    const { workflowId, result } = await f.runCheck({ views: ['user_stats'] });
    await recordHistory(f.env.client, 'check-freshness-recovery', workflowId);

    expect(result.alerts).toEqual([{ view: 'user_stats', kind: 'recovery' }]);
    const sent = deliveriesOf('user_stats').slice(before);
    expect(sent.map((d) => [d.payload.type, d.payload.status])).toEqual([['featureflow.freshness.recovery', 'fresh']]);
    expect(sent[0]?.payload.text).toMatch(/is fresh again: newest event 1m( \d+s)? old \(max 1h\)/);
    expect(logsOf('user_stats').at(-1)).toMatchObject({ level: 'info', kind: 'recovery', checkedAt: result.checkedAt });
    expect((await f.store.getFreshnessRecords(PROJECT)).alerts.get('user_stats')?.status).toBe('fresh');

    const again = await f.runCheck({ views: ['user_stats'] });
    expect(again.result.alerts).toEqual([]);
    expect(deliveriesOf('user_stats').length).toBe(before + 1);
  });

  it('gets an alert through a receiver that answers 500 twice, by Temporal retrying the activity', async () => {
    await f.stage('merchant_stats', 3 * HOUR);
    let calls = 0;
    f.answer = (payload) => (payload.view === 'merchant_stats' && ++calls <= 2 ? 500 : 200);
    try {
      const { workflowId, result } = await f.runCheck({ views: ['merchant_stats'] });
      expect(result.alerts).toEqual([{ view: 'merchant_stats', kind: 'breach' }]);
      const attempts = deliveriesOf('merchant_stats');
      expect(attempts).toHaveLength(3);
      // One alert, delivered on the third attempt of one activity: every attempt carried the same id.
      expect(new Set(attempts.map((d) => d.payload.id))).toEqual(new Set([`${PROJECT}:merchant_stats:breach:${result.checkedAt}`]));
      const history = await f.env.client.workflow.getHandle(workflowId).fetchHistory();
      const sends = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendFreshnessAlert');
      expect(sends).toHaveLength(1);
      expect((history.events ?? []).flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt] : []))).toContain(3);
      // Logged once, not once per attempt.
      expect(logsOf('merchant_stats')).toHaveLength(1);
      expect((await f.store.getFreshnessRecords(PROJECT)).alerts.get('merchant_stats')?.status).toBe('stale');
    } finally {
      f.answer = () => 200;
    }
  });

  it('fails naming the view whose alert was refused, records the others, and alerts it at the next check', async () => {
    await f.stage('pair_a', 2 * HOUR);
    await f.stage('pair_b', 2 * HOUR);
    let refuse = true;
    f.answer = (payload) => (payload.view === 'pair_b' && refuse ? 400 : 200);
    try {
      const failure = await f.failedCheck({ views: ['pair_a', 'pair_b'] });
      expect(failure.type).toBe('FRESHNESS_ALERT_FAILED');
      expect(failure.message).toContain('freshness alerts failed for "pair_b";');
      expect(failure.message).toContain(`pair_b (breach): the alerts webhook at ${f.receiverUrl} answered 400: "refused with 400"`);
      expect(failure.message).not.toContain('secret-token');
      // A 400 is not retried: one request for pair_b.
      expect(deliveriesOf('pair_b')).toHaveLength(1);
      const records = await f.store.getFreshnessRecords(PROJECT);
      expect(records.alerts.get('pair_a')?.status).toBe('stale');
      expect(records.alerts.has('pair_b')).toBe(false);

      refuse = false;
      const { result } = await f.runCheck({ views: ['pair_a', 'pair_b'] });
      expect(result.alerts).toEqual([{ view: 'pair_b', kind: 'breach' }]);
      expect(deliveriesOf('pair_a')).toHaveLength(1);
      expect(deliveriesOf('pair_b')).toHaveLength(2);
      expect((await f.store.getFreshnessRecords(PROJECT)).alerts.get('pair_b')?.status).toBe('stale');
    } finally {
      f.answer = () => 200;
    }
  });

  it('checks every online view when given none, and refuses unknown and offline views for good', async () => {
    for (const view of ['user_stats', 'merchant_stats', 'pair_a', 'pair_b']) {
      await f.stage(view, 60_000);
      await f.store.recordAlert(PROJECT, view, { status: 'fresh', at: new Date().toISOString() });
    }
    const sentBefore = f.deliveries.length;
    const { result } = await f.runCheck({});
    expect(result.entries.map((e) => [e.view, e.status])).toEqual([
      ['user_stats', 'fresh'],
      ['merchant_stats', 'fresh'],
      ['pair_a', 'fresh'],
      ['pair_b', 'fresh'],
      ['no_sla', 'unknown'],
    ]);
    expect(result.alerts).toEqual([]);
    expect(f.deliveries.length).toBe(sentBefore);

    const unknown = await f.failedCheck({ views: ['user_stat'] });
    expect(unknown.type).toBe('NOT_FOUND');
    expect(unknown.message).toContain('unknown feature view "user_stat"');
    expect((await f.failedCheck({ views: ['archive'] })).type).toBe('VIEW_NOT_ONLINE');
    const invalid = await f.failedCheck({ views: 'user_stats' } as unknown as CheckFreshnessInput);
    expect(invalid.type).toBe('INVALID_WORKFLOW_INPUT');
  });
});

function withoutText(payload: FreshnessAlertPayload | undefined): Omit<FreshnessAlertPayload, 'text'> {
  const { text: _text, ...rest } = payload as FreshnessAlertPayload;
  return rest;
}
