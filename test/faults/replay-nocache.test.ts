/**
 * Fault criterion 5: every committed history replays as a worker without a workflow cache (maxCachedWorkflows: 0)
 * would run it.
 *
 * A replay worker cannot simply be given `maxCachedWorkflows: 0`: ReplayWorkerOptions omits the option, and sdk-core
 * forces `max_cached_workflows = 1` on every replay worker (crates/sdk-core/src/replay/mod.rs, into_core_worker), so
 * it would change nothing. What a cache-less worker does differently is this: for each workflow task it is handed
 * the history up to that task's WorkflowTaskStarted, re-executes the code from the first event (replaying every
 * earlier task) and then runs that task live. So each history here is cut after each of its WorkflowTaskStarted
 * events and every cut is replayed: the earlier tasks' commands must match the recorded ones, and the live task must
 * not fail. The full histories replay as well. One replay worker and one bundle serve all of them.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { historyFilesIn, readHistoryFile } from '../../src/devtools/history-files.js';
import type { History } from '../../src/devtools/history-json.js';
import { replayHistories, type HistoryToReplay, type ReplayOutcome, type ReplayOptions } from '../../src/devtools/replay.js';
import { HISTORIES_DIR } from '../replay/record.js';

// temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED (histories are read with numeric enums).
const WORKFLOW_TASK_STARTED = 6;
const REORDERED = fileURLToPath(new URL('../replay/fixtures/reordered-workflows.ts', import.meta.url));

/** What a cache-less worker is handed for each workflow task: the history up to and including its start. */
function cacheLessCuts(history: History): History[] {
  const events = history.events ?? [];
  return events.flatMap((event, i) => (event.eventType === WORKFLOW_TASK_STARTED ? [{ ...history, events: events.slice(0, i + 1) }] : []));
}

function withCuts(recorded: HistoryToReplay): HistoryToReplay[] {
  const cuts = cacheLessCuts(recorded.history).map((history) => ({
    name: `${recorded.name} up to event ${String(history.events?.at(-1)?.eventId)}`,
    history,
  }));
  return [...cuts, { name: `${recorded.name} (complete)`, history: recorded.history }];
}

async function replayAll(histories: readonly HistoryToReplay[], options: ReplayOptions = {}): Promise<ReplayOutcome[]> {
  const outcomes: ReplayOutcome[] = [];
  for await (const outcome of replayHistories(histories, options)) outcomes.push(outcome);
  return outcomes;
}

const recorded = historyFilesIn(HISTORIES_DIR).map((file) => ({ ...readHistoryFile(file), name: path.basename(file) }));

describe('committed histories replay as a worker with maxCachedWorkflows: 0 runs them', () => {
  it('replays every workflow task of every history from the first event without nondeterminism', async () => {
    const toReplay = recorded.flatMap(withCuts);
    const started = performance.now();
    const outcomes = await replayAll(toReplay);
    const seconds = (performance.now() - started) / 1000;
    const failures = outcomes.filter((o) => o.failure).map((o) => `${o.name}: ${o.failure?.message}`);
    const tasks = toReplay.length - recorded.length;
    console.log(
      `FAULT-FIGURE: replay without workflow cache: ${recorded.length} histories, ${tasks} workflow tasks each replayed from ` +
        `the first event, ${outcomes.length - failures.length}/${outcomes.length} replays passed, ${failures.length} nondeterministic ` +
        `or failed (${seconds.toFixed(1)} s)`,
    );
    expect(failures).toEqual([]);
    expect(outcomes.map((o) => o.name)).toEqual(toReplay.map((h) => h.name));
    expect(recorded.length).toBeGreaterThan(0);
  });

  it('has teeth: the cuts of the computeFeatures history fail against a variant that reorders its activities', async () => {
    const history = recorded.find((h) => h.name === 'compute-features.json');
    expect(history, 'compute-features.json is committed').toBeDefined();
    const outcomes = await replayAll(withCuts(history!), { workflowsPath: REORDERED });
    // The first cut only runs the first task live (nothing recorded to compare with); every later one must diverge.
    expect(outcomes[0]?.failure).toBeUndefined();
    expect(outcomes.slice(1).map((o) => o.failure?.nondeterministic)).toEqual(outcomes.slice(1).map(() => true));
  });
});
