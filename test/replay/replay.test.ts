/**
 * Replays every recorded workflow history against the current workflow code, bundled from the same entry the
 * worker uses, with the same (default) data converter and no interceptors, as the worker, through the machinery of
 * `featureflow replay`. A change that would make a running workflow nondeterministic (TMPRL1100: it then looks
 * stuck) fails here instead of in production. Re-record after an intended, versioned change: see record.ts.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { historyFilesIn, readHistoryFile } from '../../src/devtools/history-files.js';
import { describeHistory, replayHistories, type ReplayOutcome } from '../../src/devtools/replay.js';
import * as workflows from '../../src/workflows/index.js';
import { HISTORIES_DIR } from './record.js';

const histories = historyFilesIn(HISTORIES_DIR).map((file) => ({ ...readHistoryFile(file), name: path.basename(file) }));

describe('recorded histories replay against the current workflow code', () => {
  it('has at least one recorded history of every registered workflow type', () => {
    const recorded = new Set(histories.map((h) => describeHistory(h.history).workflowType));
    const registered = Object.entries(workflows)
      .filter(([, value]) => typeof value === 'function')
      .map(([name]) => name)
      .sort();
    const missing = registered.filter((type) => !recorded.has(type));
    expect(missing, `workflow types without a recorded history in ${HISTORIES_DIR}: ${missing.join(', ')}`).toEqual([]);
  });

  it('replays each without nondeterminism', async () => {
    const outcomes: ReplayOutcome[] = [];
    for await (const outcome of replayHistories(histories)) outcomes.push(outcome);
    expect(outcomes.filter((o) => o.failure).map((o) => `${o.name}: ${o.failure?.message}`)).toEqual([]);
    expect(outcomes.map((o) => o.name)).toEqual(histories.map((h) => h.name));
  });
});
