import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { failureText } from '../../../src/cli/follow-workflow.js';
import { progressLine } from '../../../src/cli/training-set-follow.js';

describe('historical --workflow progress line', () => {
  it('says it waits for a worker until the activity starts', () => {
    expect(progressLine({ status: 'RUNNING', activity: 'none', attempt: 0 }, 'featureflow', 3.2)).toBe(
      'training set: waiting for a worker on task queue featureflow 3s',
    );
    expect(progressLine({ status: 'RUNNING', activity: 'waiting', attempt: 1 }, 'q', 0)).toContain('waiting for a worker on task queue q');
  });

  it('draws the overall fraction as a bar, with the current step and its estimate', () => {
    const line = progressLine(
      { status: 'RUNNING', activity: 'running', attempt: 1, step: '2/3 joining user_txn', percent: 50, fraction: 0.5 },
      'q',
      12,
    );
    expect(line).toBe(`training set [${'#'.repeat(15)}${'.'.repeat(15)}] 50% 2/3 joining user_txn 50% 12s`);
  });

  it('shows the attempt and the last failure while the activity is retried', () => {
    const line = progressLine(
      { status: 'RUNNING', activity: 'waiting', attempt: 3, lastFailure: 'disk full', step: '1/2 joining v', fraction: 0 },
      'q',
      40,
    );
    expect(line).toContain('[attempt 3, last: disk full] [waiting] 40s');
  });
});

describe('historical --workflow failure text', () => {
  it("is the activity's own message and code, not the client's wrapper", () => {
    const cause = ApplicationFailure.nonRetryable('feature view "x" has no feature "y"', 'NOT_FOUND');
    const activity = new ActivityFailure('activity failed', 'buildTrainingSet', '5', RetryState.NON_RETRYABLE_FAILURE, 'me', cause);
    const wrapper = new Error('Workflow execution failed', { cause: activity });
    expect(failureText(wrapper)).toBe('feature view "x" has no feature "y" [NOT_FOUND]');
    expect(failureText('plain')).toBe('plain');
  });
});
