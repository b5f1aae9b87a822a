/**
 * `featureflow` entry point: dispatches to one module per command, loaded lazily so `featureflow plan` never pays
 * for DuckDB or Temporal start-up it does not use.
 */
import { FeatureflowError } from '../registry/errors.js';

type CommandModule = { run(args: string[]): Promise<number> };

const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  plan: { summary: 'show what apply would change in the stored registry', load: () => import('./commands/plan.js') },
  apply: { summary: 'store the repo in the registry (versioned, with history)', load: () => import('./commands/apply.js') },
  registry: { summary: 'registry list | show NAME | history', load: () => import('./commands/registry.js') },
  historical: { summary: 'build a point-in-time correct training set', load: () => import('./commands/historical.js') },
  materialize: {
    summary: 'write the latest values of a time range to the online store',
    load: () => import('./commands/materialize.js'),
  },
  'materialize-incremental': {
    summary: 'materialize each view from where it last stopped',
    load: () => import('./commands/materialize-incremental.js'),
  },
  worker: { summary: "run a Temporal worker for all of Featureflow's workflows", load: () => import('./commands/worker.js') },
  backfill: {
    summary: 'start a chunked, resumable backfill workflow (--wait follows its progress)',
    load: () => import('./commands/backfill.js'),
  },
  schedules: {
    summary: 'apply | list | trigger | pause | unpause | backfill the Temporal Schedules of the repo',
    load: () => import('./commands/schedules.js'),
  },
  stream: {
    summary: "start | status | stop VIEW: a stream view's ingestion workflow (broker -> tiles in Redis)",
    load: () => import('./commands/stream.js'),
  },
  freshness: { summary: 'how fresh each online view is, against its freshness SLA', load: () => import('./commands/freshness.js') },
  drift: {
    summary: "each view's latest drift report against its reference (--run computes one now)",
    load: () => import('./commands/drift.js'),
  },
  stats: {
    summary: "a view's feature statistics (table, JSON, or an HTML page of histograms); stats snapshot VIEW NAME",
    load: () => import('./commands/stats.js'),
  },
  offline: { summary: 'sweep: delete what offline writers left behind (unpublished or superseded objects)', load: () => import('./commands/offline.js') },
  watermarks: { summary: "list | reset VIEW TIME: where each view's next incremental run starts", load: () => import('./commands/watermarks.js') },
  temporal: {
    summary: "temporal setup: register Featureflow's search attributes (the UI's filters by view, project, kind)",
    load: () => import('./commands/temporal.js'),
  },
  replay: {
    summary: 'replay workflow histories against the current code (the check before deploying a change)',
    load: () => import('./commands/replay.js'),
  },
  skew: { summary: 'training/serving skew of a feature service, from its serving log', load: () => import('./commands/skew.js') },
  serve: { summary: 'serve online features over HTTP (POST /get-online-features)', load: () => import('./commands/serve.js') },
  tokens: { summary: 'tokens create: a new API token for `serve` and its token-file entry', load: () => import('./commands/tokens.js') },
  init: { summary: 'scaffold a repo (config, sample data, README) that `featureflow dev` runs as is', load: () => import('./commands/init.js') },
  dev: {
    summary: 'run a repo locally: Temporal dev server + UI, worker, HTTP API and Schedules, until Ctrl-C',
    load: () => import('./commands/dev.js'),
  },
  demo: { summary: 'run the end-to-end demo on generated data', load: () => import('./commands/demo.js') },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: featureflow <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun "featureflow <command> --help" for a command's options.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 1;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`featureflow: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    const mod = await command.load();
    return await mod.run(rest);
  } catch (err) {
    return reportError(err);
  }
}

export function reportError(err: unknown): number {
  if (err instanceof FeatureflowError) {
    console.error(`featureflow: ${err.message} [${err.code}]`);
    return err.code === 'USAGE' ? 2 : 1;
  }
  console.error('featureflow: unexpected error:', err);
  return 1;
}
