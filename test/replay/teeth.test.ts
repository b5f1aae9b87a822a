/**
 * The replay suite has teeth: the recorded computeFeatures history replays against the real code, fails against a
 * variant that runs another activity first (fixtures/reordered-workflows.ts), and replays again when the same change
 * is guarded by patched() (fixtures/patched-workflows.ts). The CLI reports the divergence with exit status 1.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { readHistoryFile } from '../../src/devtools/history-files.js';
import { replayHistories, type ReplayOutcome, type ReplayOptions } from '../../src/devtools/replay.js';

const HISTORY = fileURLToPath(new URL('./histories/compute-features.json', import.meta.url));
const REORDERED = fileURLToPath(new URL('./fixtures/reordered-workflows.ts', import.meta.url));
const PATCHED = fileURLToPath(new URL('./fixtures/patched-workflows.ts', import.meta.url));

async function replayOne(options: ReplayOptions): Promise<ReplayOutcome> {
  const outcomes: ReplayOutcome[] = [];
  for await (const outcome of replayHistories([readHistoryFile(HISTORY)], options)) outcomes.push(outcome);
  expect(outcomes).toHaveLength(1);
  return outcomes[0]!;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('replay catches a nondeterministic change', () => {
  it('replays the recorded computeFeatures history against the real code', async () => {
    const outcome = await replayOne({});
    expect(outcome).toMatchObject({ workflowType: 'computeFeatures' });
    expect(outcome.failure).toBeUndefined();
  });

  it('fails the same history against a variant that calls another activity first, naming both', async () => {
    const outcome = await replayOne({ workflowsPath: REORDERED });
    expect(outcome.failure?.nondeterministic).toBe(true);
    expect(outcome.failure?.message).toMatch(/computeChunk/);
    expect(outcome.failure?.message).toMatch(/materializeRange/);
  });

  it('replays the same change once it is guarded by patched()', async () => {
    const outcome = await replayOne({ workflowsPath: PATCHED });
    expect(outcome.failure).toBeUndefined();
  });

  it('featureflow replay --file H --workflows VARIANT exits 1 and prints the divergence', async () => {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void err.push(args.join(' ')));

    const status = await main(['replay', '--file', HISTORY, '--workflows', REORDERED]);

    expect(status).toBe(1);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^FAIL {2}.*compute-features\.json \(computeFeatures, \d+ events\): nondeterministic: .*materializeRange/);
    expect(err.join('\n')).toMatch(/first divergence: .*compute-features\.json \(computeFeatures\): .*computeChunk/);
  });
});
