/**
 * `featureflow replay`: replays workflow histories (fetched from the server, or recorded in files) against the
 * current workflow code and reports, per history, whether the code still makes the same decisions. Every history is
 * fetched or read before the (slow) bundle build, so a wrong id or file name fails at once.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TemporalTarget } from '../../client/connection.js';
import type { HistoryToReplay, ReplayOutcome } from '../../devtools/replay.js';
import { FeatureflowError } from '../../registry/errors.js';
import { parseCommandArgs, TEMPORAL_CONNECTION_OPTIONS, temporalConnectionHelp, temporalTarget, UsageError } from '../args.js';

const USAGE = `usage: featureflow replay --workflow-id ID [--run-id R] [--address HOST:PORT] [--namespace NS] [TLS options]
       featureflow replay --file F [F ...]
       featureflow replay --dir D
       (sources combine; any of them can take --workflows PATH)

The check before deploying a workflow change. A worker running new code re-executes every open workflow from its
history; if the new code decides differently (an activity added, removed or moved, a timer or a signal wait
reordered, a loop that runs a different number of times), those workflows fail with a nondeterminism error and
stop making progress. Replay runs no activities and changes nothing: it feeds recorded histories to the workflow
code and reports the first point where the code and a history disagree. Replay the workflows that are open in
production, and keep the recorded histories of test/replay/histories/ replaying in CI; guard a deliberate change
with patched() (see the README, "Replay: checking a workflow change before deploying it").

      --workflow-id ID   fetch this workflow's history from the server (its latest run, even a running one)
      --run-id R         with --workflow-id: that run instead of the latest
${temporalConnectionHelp()}
      --file F [F ...]   history files, as \`temporal workflow show --workflow-id ID --output json\` or the Temporal
                         UI's download write them, or test/replay/histories/*.json
      --dir D            every *.json file in folder D
      --workflows PATH   the workflows module to replay against (default: Featureflow's own, the bundle the
                         worker runs); for a worker of your own that registers Featureflow's workflows with others

Prints one line per history. Exit status 0 when every history replays; 1 when one does not (the first divergence
is printed last) or a history cannot be read or fetched; 2 on wrong arguments.`;

const OPTIONS = {
  'workflow-id': { type: 'string' },
  'run-id': { type: 'string' },
  ...TEMPORAL_CONNECTION_OPTIONS,
  file: { type: 'string', multiple: true },
  dir: { type: 'string' },
  workflows: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface ReplayRequest {
  /** A workflow to fetch from the server, with the server to fetch it from. */
  server?: { workflowId: string; runId?: string; target: TemporalTarget };
  files: string[];
  dir?: string;
  /** Absolute path of the workflows module; absent: Featureflow's own. */
  workflowsPath?: string;
}

/** The command line as a request, or `help`; wrong arguments throw UsageError (exit 2). */
export function parseReplayArgs(args: string[], cwd = process.cwd()): ReplayRequest | 'help' {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
  if (values.help) return 'help';
  for (const name of ['workflow-id', 'run-id', 'address', 'namespace', 'dir', 'workflows'] as const) {
    if (values[name] === '') throw new UsageError(`--${name}: expected a value, got an empty string\n\n${USAGE}`);
  }
  const fileOptions = values.file ?? [];
  if (fileOptions.includes('')) throw new UsageError(`--file: expected a file name, got an empty string\n\n${USAGE}`);
  // `--file histories/*.json`: the shell expands the glob into more words than one option takes.
  if (positionals.length > 0 && fileOptions.length === 0) {
    throw new UsageError(`unexpected argument "${positionals[0]}" (history files go after --file)\n\n${USAGE}`);
  }
  const workflowId = values['workflow-id'];
  if (!workflowId) {
    for (const name of ['run-id', ...Object.keys(TEMPORAL_CONNECTION_OPTIONS)] as Array<'run-id' | keyof typeof TEMPORAL_CONNECTION_OPTIONS>) {
      if (values[name] !== undefined) throw new UsageError(`--${name} only applies with --workflow-id\n\n${USAGE}`);
    }
  }
  const files = [...fileOptions, ...positionals];
  if (!workflowId && files.length === 0 && values.dir === undefined) {
    throw new UsageError(`nothing to replay: give --workflow-id, --file or --dir\n\n${USAGE}`);
  }
  const target: TemporalTarget = temporalTarget(values);
  return {
    ...(workflowId ? { server: { workflowId, ...(values['run-id'] ? { runId: values['run-id'] } : {}), target } } : {}),
    files,
    ...(values.dir !== undefined ? { dir: values.dir } : {}),
    ...(values.workflows !== undefined ? { workflowsPath: path.resolve(cwd, values.workflows) } : {}),
  };
}

export async function run(args: string[]): Promise<number> {
  const request = parseReplayArgs(args);
  if (request === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (request.workflowsPath && !existsSync(request.workflowsPath)) {
    throw new UsageError(`--workflows: no such file ${request.workflowsPath}`);
  }
  const histories = await loadHistories(request);
  const { replayHistories } = await import('../../devtools/replay.js');
  const against = request.workflowsPath ? path.relative(process.cwd(), request.workflowsPath) : "Featureflow's workflows";
  const failed: ReplayOutcome[] = [];
  for await (const outcome of replayHistories(histories, request.workflowsPath ? { workflowsPath: request.workflowsPath } : {})) {
    console.log(outcomeLine(outcome));
    if (outcome.failure) failed.push(outcome);
  }
  const count = `${histories.length} histor${histories.length === 1 ? 'y' : 'ies'}`;
  if (failed.length === 0) {
    console.error(`featureflow replay: ${count} replayed against ${against}, all deterministic`);
    return 0;
  }
  const first = failed.find((o) => o.failure?.nondeterministic) ?? failed[0]!;
  const divergent = failed.filter((o) => o.failure?.nondeterministic).length;
  console.error(
    `featureflow replay: ${failed.length} of ${count} did not replay against ${against}` +
      ` (${divergent} nondeterministic, ${failed.length - divergent} other failures)\n` +
      `first ${first.failure?.nondeterministic ? 'divergence' : 'failure'}: ${first.name} (${first.workflowType}): ${first.failure?.message}`,
  );
  return 1;
}

function outcomeLine(o: ReplayOutcome): string {
  const what = `${o.name} (${o.workflowType}, ${o.events} events)`;
  if (!o.failure) return `ok    ${what}`;
  return `FAIL  ${what}: ${o.failure.nondeterministic ? 'nondeterministic' : 'failed'}: ${o.failure.message}`;
}

/** Every history of the request, or one error naming every file (and the workflow) that could not be loaded. */
async function loadHistories(request: ReplayRequest): Promise<HistoryToReplay[]> {
  const { historyFilesIn, readHistoryFile } = await import('../../devtools/history-files.js');
  const histories: HistoryToReplay[] = [];
  const errors: FeatureflowError[] = [];
  const attempt = async (load: () => HistoryToReplay | Promise<HistoryToReplay>): Promise<void> => {
    try {
      histories.push(await load());
    } catch (err) {
      if (!(err instanceof FeatureflowError)) throw err;
      errors.push(err);
    }
  };
  const files = [...request.files];
  if (request.dir !== undefined) {
    try {
      files.push(...historyFilesIn(request.dir));
    } catch (err) {
      if (!(err instanceof FeatureflowError)) throw err;
      errors.push(err);
    }
  }
  for (const file of files) await attempt(() => readHistoryFile(file));
  const server = request.server;
  if (server) {
    const { fetchHistory } = await import('../../devtools/history-fetch.js');
    await attempt(() => fetchHistory(server.target, server.workflowId, server.runId));
  }
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) {
    throw new FeatureflowError('HISTORY_UNREADABLE', `${errors.length} histories cannot be replayed:\n${errors.map((e) => `  ${e.message.replace(/\n/g, '\n  ')}`).join('\n')}`);
  }
  return histories;
}
