/**
 * Replays every recorded workflow history against the current workflow code, bundled from the same entry the
 * worker uses, with the same (default) data converter and no interceptors, as the worker. A change that would
 * make a running workflow nondeterministic (TMPRL1100: it then looks stuck) fails here instead of in production.
 * Re-record after an intended, versioned change: see test/replay/record.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../../src/worker.js';
import { historyFromJson } from './history-json.js';
import { HISTORIES_DIR } from './record.js';

const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).sort();

beforeAll(() => {
  if (!Runtime._instance) Runtime.install({ logger: new DefaultLogger('WARN') });
});

describe('recorded histories replay against the current workflow code', () => {
  it('has histories of every workflow type to replay', () => {
    const types = new Set(
      files.map((f) => {
        const history = JSON.parse(readFileSync(path.join(HISTORIES_DIR, f), 'utf8')) as {
          events: Array<{ workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } } }>;
        };
        return history.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
      }),
    );
    expect([...types].sort()).toEqual(['backfill', 'checkFreshness', 'computeFeatures', 'materializeIncremental', 'trainingSet']);
  });

  it('replays each without nondeterminism', async () => {
    const histories = files.map((f) => ({
      workflowId: path.basename(f, '.json'),
      history: historyFromJson(JSON.parse(readFileSync(path.join(HISTORIES_DIR, f), 'utf8'))),
    }));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH, replayName: 'featureflow-replay' }, histories)) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(files.length);
  });
});
