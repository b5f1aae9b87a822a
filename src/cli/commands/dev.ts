/**
 * `featureflow dev`: one process for local work on a repo. It starts (or reuses) a Temporal dev server with its UI,
 * runs a worker in this process, serves the HTTP API, applies the Schedules and fills the online store; on Ctrl-C or
 * SIGTERM it stops exactly what it started (a dev server it found running is left alone) and exits 0.
 */
import type { Repo } from '../../registry/schema.js';
import { CONFIG_OPTION, helpOrNoArguments, parseCommandArgs, UsageError } from '../args.js';

const USAGE = `usage: featureflow dev [--config FILE] [--port 6566] [--host 127.0.0.1] [--temporal-port 7233] [--ui-port 8233]
                     [--namespace NS] [--task-queue Q] [--no-schedules] [--backfill-days 7]

Starts, in one process tree: a Temporal dev server with its Web UI (reused if something listens on
--temporal-port), a worker for every Featureflow workflow, and the HTTP API (what \`featureflow serve\` serves).
Then applies the repo's Temporal Schedules and fills the online store: computed views with a schedule are
backfilled (and materialized) over the last --backfill-days days, plain scheduled views are triggered once.
Prints "featureflow dev: ready" with what to open. Ctrl-C or SIGTERM stops what it started and exits 0.

  -c, --config FILE        the repo config (default: FEATUREFLOW_CONFIG, else featureflow.config.ts, then
                           featureflow.json, here)
  -p, --port PORT          API port (default 6566; 0 picks a free one)
      --host HOST          API address to bind (default 127.0.0.1)
      --temporal-port P    Temporal frontend port on 127.0.0.1 (default 7233); reused if it answers
      --ui-port P          Web UI port of a dev server started here (default 8233)
      --namespace NS       default TEMPORAL_NAMESPACE, else default
      --task-queue Q       default FEATUREFLOW_TASK_QUEUE, else featureflow
      --no-schedules       do not apply Schedules or start any run (worker and API only)
      --backfill-days N    days each scheduled computed view is backfilled over at start (default 7; 0: none)`;

const OPTIONS = {
  ...CONFIG_OPTION,
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  'temporal-port': { type: 'string' },
  'ui-port': { type: 'string' },
  namespace: { type: 'string' },
  'task-queue': { type: 'string' },
  'no-schedules': { type: 'boolean' },
  'backfill-days': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function wholeNumber(flag: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
  if (helpOrNoArguments(values.help, positionals, USAGE)) return 0;
  const port = wholeNumber('--port', values.port, 6566, 0, 65_535);
  const temporalPort = wholeNumber('--temporal-port', values['temporal-port'], 7233, 1, 65_535);
  const uiPort = wholeNumber('--ui-port', values['ui-port'], 8233, 1, 65_535);
  const backfillDays = wholeNumber('--backfill-days', values['backfill-days'], 7, 0, 366);
  const host = values.host ?? '127.0.0.1';
  const namespace = values.namespace || process.env.TEMPORAL_NAMESPACE || 'default';
  const taskQueue = values['task-queue'] || process.env.FEATUREFLOW_TASK_QUEUE || 'featureflow';

  // Listening from the start: a Ctrl-C during start-up still stops what was started so far, once it is up.
  let signalled: string | undefined;
  const stopRequested = new Promise<string>((resolve) => {
    const on = (signal: string) => () => {
      signalled ??= signal;
      resolve(signal);
    };
    process.once('SIGINT', on('SIGINT'));
    process.once('SIGTERM', on('SIGTERM'));
  });

  // The API, the store, Temporal and DuckDB load only now: `dev --help` stays instant.
  const [{ createServer }, { createApiWorkflows }, { connectRepoStore, describeOnlineStoreTarget, resolveOnlineStoreTarget }, { startDemoTemporal }, { applyAndKickOff }, { loadCheckedRepo }] =
    await Promise.all([
      import('../../api/server.js'),
      import('../../client/api-workflows.js'),
      import('../../online/store-target.js'),
      import('../demo-temporal.js'),
      import('../dev-kickoff.js'),
      import('../load-checked.js'),
    ]);
  const loaded = await loadCheckedRepo(values.config);
  const { repo, repoDir } = loaded;
  console.log(`featureflow dev: project "${repo.project}" from ${loaded.configPath}`);
  console.log(`featureflow dev: online store ${describeOnlineStoreTarget(resolveOnlineStoreTarget(repo.onlineStore))}`);
  // The API listens first: a port in use fails in a second, before a dev server is started for nothing.
  const store = await connectRepoStore(repo.onlineStore, { lazy: true });
  // The local dev server is plaintext: an API key or certificates in the shell are for another server.
  const workflows = createApiWorkflows({ project: repo.project, address: `127.0.0.1:${temporalPort}`, namespace, taskQueue, environment: false });
  const api = createServer({ repo, store, workflows, repoDir });
  const closeApi = async (): Promise<void> => {
    await api.close().catch((err: unknown) => console.error('featureflow dev: closing the API failed:', err));
    await workflows.close().catch(() => undefined);
    await store.close().catch(() => undefined);
  };
  let address;
  let temporal;
  try {
    address = await api.listen(port, host).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EADDRINUSE') throw err;
      throw new UsageError(`--port: ${host}:${port} is in use; choose another port (0 picks a free one)`);
    });
    temporal = await startDemoTemporal(loaded.configPath, { port: temporalPort, uiPort, namespace, taskQueue, who: 'featureflow dev', project: repo.project });
  } catch (err) {
    await closeApi();
    throw err;
  }
  const stopAll = async (): Promise<void> => {
    await closeApi();
    await temporal.stop();
  };
  try {
    if (!values['no-schedules'] && signalled === undefined) {
      console.log('Temporal Schedules:');
      await applyAndKickOff(temporal.client, repo, { taskQueue, uiUrl: temporal.dev.uiUrl, backfillDays });
    }
    const ui = `${temporal.dev.uiUrl}/namespaces/${encodeURIComponent(namespace)}`;
    const example = JSON.stringify(exampleRequest(repo));
    console.log(`
featureflow dev: ready
  Temporal UI:  ${ui}/workflows   (Schedules: ${ui}/schedules)${temporal.dev.started ? '' : ' [reused dev server]'}
  Temporal:     ${temporal.dev.address} (namespace ${namespace}, task queue ${taskQueue})
  API:          ${address.url}   (GET /health, /freshness, /registry, /metrics)
  try:          curl -s -X POST ${address.url}/get-online-features -H 'content-type: application/json' -d '${example}'
Ctrl-C stops ${temporal.dev.started ? 'the dev server, ' : ''}the worker and the API.`);
  } catch (err) {
    await stopAll();
    throw err;
  }
  const signal = await stopRequested;
  console.log(`featureflow dev: ${signal}: stopping${temporal.dev.started ? ' (dev server included)' : ''}`);
  await stopAll();
  console.log('featureflow dev: stopped');
  return 0;
}

/** The first feature service (else the first online view's features) for a few keys of the first entity. */
function exampleRequest(repo: Repo): Record<string, unknown> {
  const service = repo.featureServices[0];
  const view = repo.featureViews.find((v) => v.online);
  const entityName = view?.entities[0] ?? repo.entities[0]?.name;
  const entity = repo.entities.find((e) => e.name === entityName);
  const sample = entity?.valueType === 'string' ? ['a', 'b'] : [1, 2];
  const entities = Object.fromEntries((entity?.joinKeys ?? []).map((k) => [k, sample]));
  if (service) return { feature_service: service.name, entities };
  return { features: view ? [`${view.name}:*`] : [], entities };
}
