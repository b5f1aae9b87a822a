import { describe, expect, it } from 'vitest';
import { streamIngestWorkflowId } from '../../../src/workflows/shared.js';
import { resolveStreamIngestInput } from '../../../src/workflows/stream-ingest-input.js';
import { failureOf } from '../../helpers/failure.js';

describe('streamIngest input', () => {
  it('defaults to runs of an hour, 24 runs per workflow run and a 30 s heartbeat timeout', () => {
    expect(resolveStreamIngestInput({ view: 'card_txn' })).toEqual({
      view: 'card_txn',
      runForMs: 3_600_000,
      runsPerWorkflow: 24,
      heartbeatTimeoutMs: 30_000,
      carried: undefined,
    });
  });

  it('takes durations as text or seconds, and keeps what a previous run carried', () => {
    const carried = { runs: 24, events: 1000, late: 1, invalid: 2, continuedAsNew: 1, startedAt: '2024-01-01T00:00:00.000Z' };
    expect(resolveStreamIngestInput({ view: 'v', runFor: 90, heartbeatTimeout: '10s', runsPerWorkflow: 3, carried })).toEqual({
      view: 'v',
      runForMs: 90_000,
      runsPerWorkflow: 3,
      heartbeatTimeoutMs: 10_000,
      carried,
    });
  });

  it('lists every problem at once, each with its field, as one non-retryable failure', () => {
    const failure = failureOf(() =>
      resolveStreamIngestInput({ view: 'card-txn', runFor: '0s', heartbeatTimeout: 'soon', runsPerWorkflow: 1.5, carried: { runs: -1 }, viewz: 'x' }),
    );
    expect(failure.nonRetryable).toBe(true);
    expect(failure.type).toBe('INVALID_WORKFLOW_INPUT');
    expect(failure.message.split('\n')).toEqual([
      'streamIngest input is invalid (6 problems):',
      '  viewz: unknown field; the input takes view, runFor, runsPerWorkflow, heartbeatTimeout, carried',
      '  view: must be the name of a feature view reading a stream source, got "card-txn"',
      '  runFor: must be from 1s to 7d, got "0s"',
      '  heartbeatTimeout: "soon" is not a duration: use a whole number of seconds or a number with a unit, like 90s, 15m, 2h, 1d, 1w',
      '  runsPerWorkflow: must be a whole number from 1 to 1000, got 1.5',
      '  carried: is set by the workflow itself when it continues as new; leave it out when starting',
    ]);
  });

  it('refuses anything but one JSON object', () => {
    expect(failureOf(() => resolveStreamIngestInput(['card_txn'])).message).toContain('the input must be one JSON object like {"view":"card_txn_stream"}');
  });

  it('names the workflow after the project and the view', () => {
    expect(streamIngestWorkflowId('fraud', 'card_txn')).toBe('stream-ingest-fraud-card_txn');
  });
});
