/**
 * How much one worker takes on at once, and how much of the host each running activity may use. Activities share
 * one DuckDB instance, whose thread pool and memory limit cover all of them: sized as per-activity figures times
 * the activity slots, N chunks running together each get about their share, and one alone may use the lot. The
 * defaults come from the host (cores, RAM or the container's limit) so that DuckDB threads x activities is about
 * the core count and DuckDB memory x activities stays at 60% of RAM, leaving the rest to Node, the workflow cache
 * and the OS. docs/worker-sizing.md explains the choices.
 */
import os from 'node:os';
import v8 from 'node:v8';
import { z } from 'zod';
import { FeatureflowError } from './registry/errors.js';

export interface WorkerTuning {
  /** Activities (chunks) run at once, across all workflows; default 8. */
  maxConcurrentActivities?: number;
  /** Workflow tasks run at once; default 40 (the SDK's), at most maxCachedWorkflows unless the cache is off. */
  maxConcurrentWorkflowTasks?: number;
  /** DuckDB threads each running activity gets; default cores / activities (a share of one when below 1). */
  duckdbThreadsPerActivity?: number;
  /** DuckDB memory each running activity gets, e.g. `1.5GB`; default 60% of RAM / activities. */
  duckdbMemoryPerActivity?: string;
  /** Workflows kept in the sticky cache (0 turns it off); default the SDK's, from the Node heap limit. */
  maxCachedWorkflows?: number;
  /** How long a sticky workflow task waits for this worker before any worker may take it, e.g. `10s`; default 10s. */
  stickyQueueTimeout?: string;
}

export interface HostFacts {
  cores: number;
  /** RAM, or the container's memory limit when lower. */
  memoryBytes: number;
  heapLimitBytes: number;
}

export interface WorkerSizing {
  maxConcurrentActivities: number;
  maxConcurrentWorkflowTasks: number;
  /** May be a fraction: several running activities then share a thread. */
  duckdbThreadsPerActivity: number;
  duckdbMemoryPerActivityBytes: number;
  maxCachedWorkflows: number;
  stickyQueueTimeoutMs: number;
  /** The shared DuckDB instance: the per-activity figures times the activity slots (memoryLimit in MiB). */
  engine: { threads: number; memoryLimit: string };
}

/** Names the environment gives each tuning option (FEATUREFLOW_WORKER_*). */
export const WORKER_ENV: Readonly<Record<keyof WorkerTuning, string>> = {
  maxConcurrentActivities: 'FEATUREFLOW_WORKER_MAX_ACTIVITIES',
  maxConcurrentWorkflowTasks: 'FEATUREFLOW_WORKER_MAX_WORKFLOW_TASKS',
  duckdbThreadsPerActivity: 'FEATUREFLOW_WORKER_DUCKDB_THREADS',
  duckdbMemoryPerActivity: 'FEATUREFLOW_WORKER_DUCKDB_MEMORY',
  maxCachedWorkflows: 'FEATUREFLOW_WORKER_CACHED_WORKFLOWS',
  stickyQueueTimeout: 'FEATUREFLOW_WORKER_STICKY_TIMEOUT',
};

const MB = 2 ** 20;
const GB = 2 ** 30;
const UNITS: Record<string, number> = { B: 1, KB: 2 ** 10, MB, GB, TB: 2 ** 40, KIB: 2 ** 10, MIB: MB, GIB: GB, TIB: 2 ** 40 };
/** DuckDB cannot do much with less; below this a chunk fails on its first join. */
const MIN_MEMORY_PER_ACTIVITY = 64 * MB;
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

function whole(min: number, max: number): z.ZodType<number> {
  return z.coerce.number({ error: 'expected a whole number' }).int('expected a whole number').min(min, `expected at least ${min}`).max(max, `expected at most ${max}`);
}

/** `1.5GB`, `512MB`, `2GiB` -> bytes, every unit 1024-based (1GB = 1024MB), as hosts' RAM is usually counted. */
export function parseMemorySize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]?I?B)$/i.exec(text.trim());
  if (!match) return undefined;
  return Math.floor(Number(match[1]) * (UNITS[(match[2] as string).toUpperCase()] as number));
}

/** `10s`, `500ms`, `1m`, or a whole number of milliseconds -> ms. */
export function parseTimeout(text: string): number | undefined {
  const match = /^(\d+)(ms|s|m)?$/.exec(text.trim());
  return match ? Number(match[1]) * (DURATION_MS[match[2] ?? 'ms'] as number) : undefined;
}

const TuningSchema = z.strictObject({
  maxConcurrentActivities: whole(1, 10_000).optional(),
  maxConcurrentWorkflowTasks: whole(2, 10_000).optional(),
  duckdbThreadsPerActivity: whole(1, 1024).optional(),
  duckdbMemoryPerActivity: z
    .string()
    .refine((t) => parseMemorySize(t) !== undefined, 'expected a size such as 512MB or 1.5GB')
    .refine((t) => (parseMemorySize(t) ?? Infinity) >= MIN_MEMORY_PER_ACTIVITY, 'expected at least 64MB')
    .optional(),
  maxCachedWorkflows: whole(0, 1_000_000)
    .refine((n) => n !== 1, 'expected 0 (no cache) or at least 2')
    .optional(),
  stickyQueueTimeout: z
    .string()
    .refine((t) => (parseTimeout(t) ?? 0) > 0, 'expected a duration above zero such as 10s, 500ms or 1m')
    .optional(),
});

function invalid(message: string): FeatureflowError {
  return new FeatureflowError('INVALID_WORKER_OPTIONS', message);
}

/** Checks options given in code or by flags; `names` says what each is called where it came from (a flag, say). */
export function checkTuning(input: unknown, names: Partial<Record<keyof WorkerTuning, string>> = {}): WorkerTuning {
  const parsed = TuningSchema.safeParse(input);
  if (parsed.success) return parsed.data as WorkerTuning;
  const problems = parsed.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    const name = names[key as keyof WorkerTuning] ?? key;
    const value = (input as Record<string, unknown> | undefined)?.[key];
    return `${name}=${JSON.stringify(value)}: ${issue.message}`;
  });
  throw invalid(`worker options: ${problems.join('; ')}`);
}

/** FEATUREFLOW_WORKER_* variables that are set and not empty, checked, naming the variable in any error. */
export function tuningFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerTuning {
  const input: Record<string, string> = {};
  for (const [key, name] of Object.entries(WORKER_ENV)) {
    const value = env[name]?.trim();
    if (value) input[key] = value;
  }
  return checkTuning(input, WORKER_ENV);
}

export function hostFacts(): HostFacts {
  const constrained = process.constrainedMemory?.() ?? 0;
  const total = os.totalmem();
  // Unlimited cgroups report a huge or zero limit; a real one below RAM is what the kernel enforces.
  const memoryBytes = constrained > 0 && constrained < total ? constrained : total;
  return { cores: os.availableParallelism(), memoryBytes, heapLimitBytes: v8.getHeapStatistics().heap_size_limit };
}

/** The Temporal SDK's own default (reuseV8Context): about 600 workflows per GB of heap above 200 MB, at least 10. */
function defaultCachedWorkflows(heapLimitBytes: number): number {
  return Math.max(Math.floor((Math.max(heapLimitBytes / MB - 200, 0) * 600) / 1024), 10);
}

/** The whole DuckDB instance's figures, as `--threads`/`--memory-limit` and the `engine` option give them. */
export interface EngineTotals {
  threads?: number | undefined;
  memoryLimit?: string | undefined;
}

/** Per-activity figures from totals given for the whole instance, which then win over the per-activity ones. */
function perActivityFromTotals(checked: WorkerTuning, totals: EngineTotals, activities: number): { threads?: number; memory?: number } {
  const out: { threads?: number; memory?: number } = {};
  if (totals.threads !== undefined) {
    if (checked.duckdbThreadsPerActivity !== undefined) throw invalid('worker options: give DuckDB threads per activity or for the whole worker (--threads, engine.threads), not both');
    if (!Number.isInteger(totals.threads) || totals.threads < 1) throw invalid(`worker options: engine threads=${JSON.stringify(totals.threads)}: expected a whole number >= 1`);
    out.threads = totals.threads / activities;
  }
  if (totals.memoryLimit !== undefined) {
    if (checked.duckdbMemoryPerActivity !== undefined) throw invalid('worker options: give DuckDB memory per activity or for the whole worker (--memory-limit, engine.memoryLimit), not both');
    const bytes = parseMemorySize(totals.memoryLimit);
    if (bytes === undefined || bytes < MIN_MEMORY_PER_ACTIVITY) throw invalid(`worker options: engine memoryLimit=${JSON.stringify(totals.memoryLimit)}: expected a size of at least 64MB such as 4GB`);
    out.memory = bytes / activities;
  }
  return out;
}

/** Fills in the defaults and checks that the figures fit together and fit the host. */
export function sizeWorker(tuning: WorkerTuning, host: HostFacts = hostFacts(), totals: EngineTotals = {}): WorkerSizing {
  const checked = checkTuning(tuning);
  const activities = checked.maxConcurrentActivities ?? 8;
  const fromTotals = perActivityFromTotals(checked, totals, activities);
  // More activities than cores: each gets a share of a thread, so the pool stays at the core count, not above it.
  const threads = fromTotals.threads ?? checked.duckdbThreadsPerActivity ?? host.cores / activities;
  const memory =
    fromTotals.memory ??
    (checked.duckdbMemoryPerActivity === undefined
      ? Math.max(MIN_MEMORY_PER_ACTIVITY, Math.floor((host.memoryBytes * 0.6) / activities / MB) * MB)
      : (parseMemorySize(checked.duckdbMemoryPerActivity) as number));
  if (memory * activities > host.memoryBytes) {
    throw invalid(
      `worker options: ${activities} activities x ${formatBytes(memory)} of DuckDB memory each is ` +
        `${formatBytes(memory * activities)}, more than this host's ${formatBytes(host.memoryBytes)}: lower the memory per ` +
        `activity (--duckdb-memory, ${WORKER_ENV.duckdbMemoryPerActivity}) or the activities (--max-activities, ${WORKER_ENV.maxConcurrentActivities})`,
    );
  }
  const cached = checked.maxCachedWorkflows ?? defaultCachedWorkflows(host.heapLimitBytes);
  const workflowTasks = checked.maxConcurrentWorkflowTasks ?? (cached === 0 ? 40 : Math.max(2, Math.min(40, cached)));
  if (cached > 0 && workflowTasks > cached) {
    throw invalid(
      `worker options: ${workflowTasks} concurrent workflow tasks is more than the ${cached} cached workflows; ` +
        'a task needs its workflow in the cache (raise --cached-workflows or lower --max-workflow-tasks)',
    );
  }
  return {
    maxConcurrentActivities: activities,
    maxConcurrentWorkflowTasks: workflowTasks,
    duckdbThreadsPerActivity: threads,
    duckdbMemoryPerActivityBytes: memory,
    maxCachedWorkflows: cached,
    stickyQueueTimeoutMs: checked.stickyQueueTimeout === undefined ? 10_000 : (parseTimeout(checked.stickyQueueTimeout) as number),
    engine: {
      threads: totals.threads ?? Math.max(1, Math.round(threads * activities)),
      // In MiB, which DuckDB reads as 1024-based (its `MB` is 1000-based): it then gets exactly what is reported.
      memoryLimit: `${Math.floor((memory * activities) / MB)}MiB`,
    },
  };
}

/**
 * The sizing a worker runs with: options given in code or by flags win over FEATUREFLOW_WORKER_*, and a
 * whole-engine figure over the per-activity variable it replaces.
 */
export function resolveWorkerSizing(
  given: WorkerTuning,
  totals: EngineTotals,
  host: HostFacts = hostFacts(),
  env: NodeJS.ProcessEnv = process.env,
): WorkerSizing {
  const fromEnv = tuningFromEnv(env);
  if (totals.threads !== undefined) delete fromEnv.duckdbThreadsPerActivity;
  if (totals.memoryLimit !== undefined) delete fromEnv.duckdbMemoryPerActivity;
  const tuning: WorkerTuning = { ...fromEnv };
  for (const key of Object.keys(WORKER_ENV) as Array<keyof WorkerTuning>) {
    if (given[key] !== undefined) Object.assign(tuning, { [key]: given[key] });
  }
  return sizeWorker(tuning, host, totals);
}

/** `1.5 GB`, `640 MB`: one decimal at most, 1024-based like DuckDB. */
export function formatBytes(bytes: number): string {
  if (bytes >= GB) return `${Number((bytes / GB).toFixed(1))} GB`;
  return `${Math.round(bytes / MB)} MB`;
}

/** The start-up line: "worker: 2 cores, 7.8 GB RAM; 8 activities, DuckDB 0.25 thread/600 MB each (2 threads, 4.7 GB in all), ...". */
export function describeSizing(sizing: WorkerSizing, host: HostFacts): string {
  const t = Number(sizing.duckdbThreadsPerActivity.toFixed(2));
  const pool = `${sizing.engine.threads} thread${sizing.engine.threads === 1 ? '' : 's'}, ${formatBytes(parseMemorySize(sizing.engine.memoryLimit) ?? 0)} in all`;
  return (
    `worker: ${host.cores} core${host.cores === 1 ? '' : 's'}, ${formatBytes(host.memoryBytes)} RAM; ` +
    `${sizing.maxConcurrentActivities} activities, DuckDB ${t} thread${t > 1 ? 's' : ''}/${formatBytes(sizing.duckdbMemoryPerActivityBytes)} each (${pool}), ` +
    `${sizing.maxConcurrentWorkflowTasks} workflow tasks, ${sizing.maxCachedWorkflows} cached workflows, ` +
    `sticky timeout ${sizing.stickyQueueTimeoutMs / 1000}s`
  );
}
