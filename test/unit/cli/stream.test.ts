import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StreamIngestReport } from '../../../src/client/stream.js';
import { statusText } from '../../../src/cli/commands/stream.js';
import { runCli } from '../../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ff-stream-cli-'));
const config = path.join(dir, 'featureflow.json');
writeFileSync(
  config,
  JSON.stringify({
    project: 'fraud',
    entities: [{ name: 'card', joinKeys: ['card_id'] }],
    sources: [
      { name: 'txn_batch', type: 'file', path: 'txn.parquet' },
      { name: 'txn_stream', type: 'stream', batchSource: 'txn_batch', broker: { kind: 'nats', stream: 'TXN', subject: 'txn.>', durable: 'ff' } },
    ],
    featureViews: [
      { name: 'live', entities: ['card'], source: 'txn_stream', aggregation: { cadence: '1m', windows: ['5m'], features: [{ name: 'n', function: 'count' }] } },
      { name: 'plain', entities: ['card'], source: 'txn_batch', schema: [{ name: 'amount', dtype: 'float64' }] },
    ],
  }),
);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('featureflow stream arguments', () => {
  it('prints its usage for --help, and is listed by featureflow --help', async () => {
    const help = await runCli('stream', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^usage: featureflow stream start {2}VIEW \[--run-for 1h\]/);
    expect(help.out).toContain('stream-ingest-<project>-<VIEW>');
    expect((await runCli('--help')).out).toMatch(/\n {2}stream +start \| status \| stop VIEW/);
  });

  it.each([
    [[], 'missing subcommand: use start, status, stop'],
    [['restart', 'live'], 'unknown subcommand "restart": use start, status, stop'],
    [['start'], 'stream start takes VIEW, got no arguments'],
    [['status', 'live', 'plain'], 'stream status takes VIEW, got 2 arguments'],
    [['status', 'live', '--run-for', '1h'], '--run-for is an option of stream start'],
    [['stop', 'live', '--heartbeat-timeout', '5s'], '--heartbeat-timeout is an option of stream start'],
    [['start', 'live', '--run-for', 'soon'], '--run-for: expected a duration like 30s, 15m or 1h, got "soon"'],
    [['start', 'live', '--heartbeat-timeout', '0'], '--heartbeat-timeout: expected a duration like 30s, 15m or 1h, got "0"'],
    [['start', 'live', '--json'], '--json is an option of stream status'],
    [['start', 'live', '--wait'], "Unknown option '--wait'"],
  ])('refuses %j with exit 2 before reading the repo', async (args, message) => {
    const run = await runCli('stream', ...args, '--config', '/nonexistent/featureflow.json');
    expect(run.code).toBe(2);
    expect(run.err).toContain(message);
    expect(run.err).toContain('[USAGE]');
  });

  it('refuses a view that does not read a stream source, before connecting to Temporal', async () => {
    const run = await runCli('stream', 'start', 'plain', '--config', config, '--address', '127.0.0.1:1');
    expect(run.code).toBe(1);
    expect(run.err).toContain('feature view "plain" reads file source "txn_batch", not a stream source; views on a stream source: live [INVALID_REQUEST]');
  });
});

describe('stream status text', () => {
  it('says how to start an ingestion that never ran', () => {
    const report: StreamIngestReport = { workflowId: 'stream-ingest-fraud-live', status: 'NOT_FOUND', activity: 'none', attempt: 0 };
    expect(statusText('live', report)).toBe('Stream ingestion of live has never run (no workflow stream-ingest-fraud-live); start it with `featureflow stream start live`.');
  });

  it('shows the run in flight, its last heartbeat and the totals of finished runs', () => {
    const report: StreamIngestReport = {
      workflowId: 'stream-ingest-fraud-live',
      status: 'RUNNING',
      runId: 'r',
      runStartedAt: '2024-05-01T00:00:00.000Z',
      activity: 'running',
      attempt: 2,
      lastFailure: 'activity Heartbeat timeout',
      lastHeartbeatAt: '2024-05-01T01:00:05.000Z',
      heartbeat: {
        view: 'live',
        positions: { '0': '1234' },
        events: 12345,
        totalEvents: 99999,
        late: 3,
        invalid: 1,
        pending: 17,
        watermarkMicros: Date.parse('2024-05-01T01:00:04.000Z') * 1000,
        eventsPerSecond: 812.5,
        since: '2024-05-01T00:30:00.000Z',
        at: '2024-05-01T01:00:05.000Z',
      },
      totals: { runs: 5, events: 100000, late: 4, invalid: 0, continuedAsNew: 1, lastRunEndedAt: '2024-05-01T00:30:00.000Z' },
    };
    expect(statusText('live', report).split('\n')).toEqual([
      'stream-ingest-fraud-live: RUNNING; current run started 2024-05-01T00:00:00.000Z',
      '  ingest run: running, attempt 2, last heartbeat 2024-05-01T01:00:05.000Z',
      '  last failure: activity Heartbeat timeout',
      '  positions: {"0":"1234"}',
      '  this run (since 2024-05-01T00:30:00.000Z): 12,345 events (812.5/s), lag 17 messages, watermark 2024-05-01T01:00:04.000Z',
      '  view totals: 99,999 events, 3 late, 1 invalid',
      '  finished runs: 5 (100,000 events), last ended 2024-05-01T00:30:00.000Z; continued as new 1 time',
    ]);
  });

  it('shows the state stored with the tiles in Redis after the workflow, or why it cannot', () => {
    const report: StreamIngestReport = {
      workflowId: 'stream-ingest-fraud-live',
      status: 'RUNNING',
      runId: 'r',
      runStartedAt: '2024-05-01T00:00:00.000Z',
      activity: 'waiting',
      attempt: 1,
    };
    const now = Date.parse('2024-05-01T01:00:10.000Z');
    const state = {
      positions: { '0': '1250' },
      watermarkMicros: Date.parse('2024-05-01T01:00:04.000Z') * 1000,
      events: 100_250,
      late: 4,
      invalid: 2,
      overflow: 0,
      updatedAtMs: Date.parse('2024-05-01T01:00:07.000Z'),
      caughtUpAtMs: Date.parse('2024-04-30T23:58:00.000Z'),
      pending: 3_000,
    };
    expect(statusText('live', report, { state }, now).split('\n').slice(2)).toEqual([
      '  stored state (Redis, updated 2024-05-01T01:00:07.000Z, 3s ago): positions {"0":"1250"}, watermark 2024-05-01T01:00:04.000Z',
      '    100,250 events, 4 late, 2 invalid; lag 3,000 messages, caught up 2024-04-30T23:58:00.000Z (1h 2m ago)',
    ]);
    expect(statusText('live', report, { state: { ...state, overflow: 7 } }, now)).toContain('2 invalid, 7 count_distinct values over the per-tile cap dropped;');
    expect(statusText('live', report, { state: null }, now)).toContain('\n  stored state (Redis): none yet (no batch of live written)');
    expect(statusText('live', report, { error: 'online store unavailable: connect ECONNREFUSED' }, now)).toContain(
      '\n  stored state (Redis): unavailable: online store unavailable: connect ECONNREFUSED',
    );
    const gone: StreamIngestReport = { workflowId: 'stream-ingest-fraud-live', status: 'NOT_FOUND', activity: 'none', attempt: 0 };
    expect(statusText('live', gone, { state }, now).split('\n')[0]).toBe(
      'Stream ingestion of live is not running (no workflow stream-ingest-fraud-live); start it with `featureflow stream start live`.',
    );
    expect(statusText('live', gone, { state: null }, now)).not.toContain('stored state');
  });
});
