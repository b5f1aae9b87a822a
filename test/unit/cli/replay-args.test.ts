import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../../src/cli/args.js';
import { parseReplayArgs } from '../../../src/cli/commands/replay.js';
import { main } from '../../../src/cli/main.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ff-replay-args-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
});

function usageError(args: string[]): string {
  try {
    parseReplayArgs(args, '/work');
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message.split('\n')[0]!;
  }
  throw new Error(`expected ${args.join(' ')} to be refused`);
}

/** Runs `featureflow replay ...args`; returns the exit status and what it printed to stderr. */
async function cli(args: string[]): Promise<{ status: number; stderr: string }> {
  const err: string[] = [];
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const status = await main(['replay', ...args]);
  return { status, stderr: err.join('\n') };
}

describe('featureflow replay arguments', () => {
  it('takes a workflow id with its run, server and namespace', () => {
    expect(parseReplayArgs(['--workflow-id', 'backfill:v:a:b', '--run-id', 'r1', '--address', 'h:7233', '--namespace', 'prod'])).toEqual({
      server: { workflowId: 'backfill:v:a:b', runId: 'r1', target: { address: 'h:7233', namespace: 'prod' } },
      files: [],
    });
    expect(parseReplayArgs(['--workflow-id', 'w'])).toEqual({ server: { workflowId: 'w', target: {} }, files: [] });
  });

  it('takes several files, also as the words a shell glob after --file expands to', () => {
    expect(parseReplayArgs(['--file', 'a.json', 'b.json', '--file', 'c.json'])).toEqual({ files: ['a.json', 'c.json', 'b.json'] });
  });

  it('combines sources and resolves --workflows against the current folder', () => {
    expect(parseReplayArgs(['--dir', 'histories', '--file', 'x.json', '--workflows', 'src/my-workflows.ts'], '/work')).toEqual({
      files: ['x.json'],
      dir: 'histories',
      workflowsPath: '/work/src/my-workflows.ts',
    });
  });

  it('answers --help', () => {
    expect(parseReplayArgs(['--help'])).toBe('help');
    expect(parseReplayArgs(['-h', '--run-id', 'x'])).toBe('help');
  });

  it('refuses a command line without anything to replay', () => {
    expect(usageError([])).toBe('nothing to replay: give --workflow-id, --file or --dir');
    expect(usageError(['--workflows', 'w.ts'])).toBe('nothing to replay: give --workflow-id, --file or --dir');
  });

  it('refuses server options without --workflow-id', () => {
    expect(usageError(['--run-id', 'r', '--file', 'a.json'])).toBe('--run-id only applies with --workflow-id');
    expect(usageError(['--address', 'h:1', '--dir', 'd'])).toBe('--address only applies with --workflow-id');
    expect(usageError(['--namespace', 'n', '--dir', 'd'])).toBe('--namespace only applies with --workflow-id');
  });

  it('refuses stray words, empty values and unknown options', () => {
    expect(usageError(['a.json'])).toBe('unexpected argument "a.json" (history files go after --file)');
    expect(usageError(['--workflow-id', ''])).toBe('--workflow-id: expected a value, got an empty string');
    expect(usageError(['--file', ''])).toBe('--file: expected a file name, got an empty string');
    expect(usageError(['--files', 'a.json'])).toMatch(/Unknown option '--files'/);
    expect(usageError(['--dir'])).toMatch(/--dir/);
  });
});

describe('featureflow replay before replaying anything', () => {
  it('exits 2 on wrong arguments and on a --workflows module that does not exist', async () => {
    expect(await cli([])).toMatchObject({ status: 2, stderr: expect.stringMatching(/nothing to replay/) });
    const missing = path.join(dir, 'nope-workflows.ts');
    expect(await cli(['--file', 'x.json', '--workflows', missing])).toEqual({
      status: 2,
      stderr: `featureflow: --workflows: no such file ${missing} [USAGE]`,
    });
  });

  it('exits 1 naming every history file it cannot read or understand', async () => {
    const missing = path.join(dir, 'missing.json');
    const notJson = path.join(dir, 'not-json.json');
    const notHistory = path.join(dir, 'not-history.json');
    writeFileSync(notJson, '{"events": [');
    writeFileSync(notHistory, '{"workflowId": "x"}');
    const { status, stderr } = await cli(['--file', missing, notJson, notHistory]);
    expect(status).toBe(1);
    expect(stderr).toContain('3 histories cannot be replayed');
    expect(stderr).toContain(`cannot read history file ${missing}: no such file`);
    expect(stderr).toContain(`history file ${notJson} is not JSON`);
    expect(stderr).toContain(`history file ${notHistory} is not a replayable workflow history`);
  });

  it('exits 1 on a folder without histories', async () => {
    const empty = mkdtempSync(path.join(dir, 'empty-'));
    expect(await cli(['--dir', empty])).toEqual({
      status: 1,
      stderr: `featureflow: history folder ${empty} has no *.json files [HISTORY_UNREADABLE]`,
    });
    expect((await cli(['--dir', path.join(dir, 'nowhere')])).stderr).toContain('no such folder');
  });
});
