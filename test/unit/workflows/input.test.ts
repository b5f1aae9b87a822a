import { describe, expect, it } from 'vitest';
import { failureOf } from '../../helpers/failure.js';
import { parseInstantMs } from '../../../src/registry/instant.js';
import { canonicalInstant, resolveBackfillInput, resolveComputeInput } from '../../../src/workflows/input.js';
import { backfillWorkflowId, computeWorkflowId } from '../../../src/workflows/shared.js';

describe('backfill input', () => {
  it('applies the defaults to the minimal UI input', () => {
    const r = resolveBackfillInput({ view: 'user_txn', start: '2024-01-01', end: '2024-02-01' });
    expect(r).toMatchObject({
      view: 'user_txn',
      startMs: Date.parse('2024-01-01T00:00:00Z'),
      endMs: Date.parse('2024-02-01T00:00:00Z'),
      chunkSeconds: 86_400,
      parallelism: 4,
      materialize: false,
      maxHistoryEvents: 2000,
      memoEveryChunks: 20,
      heartbeatTimeoutMs: 30_000,
    });
  });

  it('reads instants without a zone as UTC, whatever the worker zone', () => {
    expect(parseInstantMs('2024-01-01T10:00')).toBe(Date.parse('2024-01-01T10:00:00Z'));
    expect(parseInstantMs('2024-01-01 10:00:00+02:00')).toBe(Date.parse('2024-01-01T08:00:00Z'));
    expect(parseInstantMs('yesterday')).toBeUndefined();
    expect(canonicalInstant('2024-01-01')).toBe('2024-01-01T00:00:00.000Z');
  });

  it('lists every problem at once, each with its field, as one non-retryable failure', () => {
    const failure = failureOf(() =>
      resolveBackfillInput({ view: '', start: 'soon', end: '2024-01-01', chunk: '0d', parallelism: 0, materialize: 'yes' }),
    );
    expect(failure.nonRetryable).toBe(true);
    expect(failure.type).toBe('INVALID_BACKFILL_INPUT');
    expect(failure.message.split('\n')).toEqual([
      'backfill input is invalid (5 problems):',
      '  view: must be the name of a feature view, got ""',
      '  start: "soon" is not an ISO-8601 date or date-time',
      '  chunk: the chunk must be longer than 0 (got 0 seconds)',
      '  parallelism: must be a whole number from 1 to 1000, got 0',
      '  materialize: must be true or false, got "yes"',
    ]);
  });

  it('rejects start >= end and a malformed chunk', () => {
    const failure = failureOf(() => resolveBackfillInput({ view: 'v', start: '2024-02-01', end: '2024-01-01', chunk: '1x' }));
    expect(failure.message).toContain('start: start (2024-02-01T00:00:00.000Z) must be before end (2024-01-01T00:00:00.000Z)');
    expect(failure.message).toContain('chunk: "1x" is not a duration');
  });

  it('rejects a non-object input with an example of the right one', () => {
    expect(failureOf(() => resolveBackfillInput('user_txn')).message).toContain('{"view":"user_txn"');
    expect(failureOf(() => resolveComputeInput(null)).message).toContain('computeFeatures input is invalid');
  });
});

describe('workflow ids', () => {
  it('are the same for the same view and instants however they are written', () => {
    const a = backfillWorkflowId({ view: 'user_txn', start: '2024-01-01', end: '2024-02-01T00:00:00Z' });
    const b = backfillWorkflowId({ view: 'user_txn', start: '2024-01-01T00:00:00.000Z', end: '2024-02-01 01:00:00+01:00' });
    expect(a).toBe('backfill:user_txn:2024-01-01T00:00:00.000Z:2024-02-01T00:00:00.000Z');
    expect(b).toBe(a);
    expect(computeWorkflowId({ view: 'v', start: '2024-01-01', end: '2024-01-02' })).toBe(
      'compute:v:2024-01-01T00:00:00.000Z:2024-01-02T00:00:00.000Z',
    );
  });
});

describe('carried state', () => {
  it('accepts what a run hands to the next one and rejects anything else', () => {
    const carried = { nextChunk: 3, chunksDone: 3, rowsWritten: 10, keysWritten: 0, startedAt: '2024-06-01T00:00:00.000Z', pausedMs: 0, runs: 1 };
    expect(resolveBackfillInput({ view: 'v', start: '2024-01-01', end: '2024-01-09', carried }).carried).toEqual(carried);
    const failure = failureOf(() => resolveBackfillInput({ view: 'v', start: '2024-01-01', end: '2024-01-09', carried: { nextChunk: 'x' } }));
    expect(failure.message).toContain('carried: is set by the workflow itself');
  });
});
