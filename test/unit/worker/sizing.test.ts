// Worker sizing: defaults derived from the host, per-activity DuckDB figures turned into the shared instance's,
// FEATUREFLOW_WORKER_* under options and flags, and errors that name the option and value.
import { describe, expect, it } from 'vitest';
import { tuningFlags } from '../../../src/cli/commands/worker.js';
import { runCli } from '../../helpers/cli.js';
import {
  describeSizing,
  parseMemorySize,
  resolveWorkerSizing,
  sizeWorker,
  tuningFromEnv,
  type HostFacts,
} from '../../../src/worker-sizing.js';
import { featureflowErrorOf } from '../../helpers/failure.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const small: HostFacts = { cores: 2, memoryBytes: 8 * GiB, heapLimitBytes: 2 * GiB };
const large: HostFacts = { cores: 16, memoryBytes: 64 * GiB, heapLimitBytes: 4 * GiB };

const failure = featureflowErrorOf;

describe('default sizing', () => {
  it('on 2 cores and 8 GB shares the 2 cores between 8 activities and gives them 60% of RAM', () => {
    const sizing = sizeWorker({}, small);
    expect(sizing).toEqual({
      maxConcurrentActivities: 8,
      maxConcurrentWorkflowTasks: 40,
      duckdbThreadsPerActivity: 0.25,
      duckdbMemoryPerActivityBytes: 614 * MiB,
      // The SDK's own default for a 2 GB heap: (2048 - 200) x 600 / 1024.
      maxCachedWorkflows: 1082,
      stickyQueueTimeoutMs: 10_000,
      engine: { threads: 2, memoryLimit: '4912MiB' },
    });
    expect(describeSizing(sizing, small)).toBe(
      'worker: 2 cores, 8 GB RAM; 8 activities, DuckDB 0.25 thread/614 MB each (2 threads, 4.8 GB in all), ' +
        '40 workflow tasks, 1082 cached workflows, sticky timeout 10s',
    );
  });

  it('on 16 cores and 64 GB gives each of 8 activities 2 threads, so threads x activities is the core count', () => {
    const sizing = sizeWorker({}, large);
    expect(sizing.duckdbThreadsPerActivity).toBe(2);
    expect(sizing.engine).toEqual({ threads: 16, memoryLimit: '39320MiB' });
    expect(describeSizing(sizing, large)).toContain('8 activities, DuckDB 2 threads/4.8 GB each (16 threads, 38.4 GB in all)');
  });

  it('derives the per-activity defaults from the activities asked for', () => {
    const sizing = sizeWorker({ maxConcurrentActivities: 4 }, large);
    expect(sizing.duckdbThreadsPerActivity).toBe(4);
    expect(sizing.duckdbMemoryPerActivityBytes).toBe(9830 * MiB);
  });
});

describe('explicit sizing', () => {
  it('multiplies per-activity DuckDB figures by the activities for the shared instance', () => {
    const sizing = sizeWorker({ maxConcurrentActivities: 6, duckdbThreadsPerActivity: 2, duckdbMemoryPerActivity: '1.5GB' }, large);
    expect(sizing.engine).toEqual({ threads: 12, memoryLimit: '9216MiB' });
    expect(sizing.duckdbMemoryPerActivityBytes).toBe(1536 * MiB);
  });

  it('takes whole-worker totals (--threads, --memory-limit) instead, reporting each activity its share', () => {
    const sizing = sizeWorker({ maxConcurrentActivities: 4 }, large, { threads: 2, memoryLimit: '4GB' });
    expect(sizing.duckdbThreadsPerActivity).toBe(0.5);
    expect(sizing.duckdbMemoryPerActivityBytes).toBe(GiB);
    expect(sizing.engine).toEqual({ threads: 2, memoryLimit: '4096MiB' });
  });

  it('passes the workflow cache, workflow tasks and sticky timeout through', () => {
    const sizing = sizeWorker({ maxCachedWorkflows: 200, maxConcurrentWorkflowTasks: 20, stickyQueueTimeout: '1m' }, small);
    expect(sizing).toMatchObject({ maxCachedWorkflows: 200, maxConcurrentWorkflowTasks: 20, stickyQueueTimeoutMs: 60_000 });
    expect(sizeWorker({ maxCachedWorkflows: 0 }, small).maxConcurrentWorkflowTasks).toBe(40);
    expect(sizeWorker({ maxCachedWorkflows: 10 }, small).maxConcurrentWorkflowTasks).toBe(10);
    expect(sizeWorker({ stickyQueueTimeout: '500ms' }, small).stickyQueueTimeoutMs).toBe(500);
  });

  it('reads sizes 1024-based in any of the units', () => {
    expect(parseMemorySize('512MB')).toBe(512 * MiB);
    expect(parseMemorySize('2 GiB')).toBe(2 * GiB);
    expect(parseMemorySize('1.5gb')).toBe(1536 * MiB);
    expect(parseMemorySize('lots')).toBeUndefined();
  });
});

describe('invalid sizing', () => {
  it('names the option and the value', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ maxConcurrentActivities: 0 }, 'maxConcurrentActivities=0: expected at least 1'],
      [{ maxConcurrentActivities: 2.5 }, 'maxConcurrentActivities=2.5: expected a whole number'],
      [{ duckdbThreadsPerActivity: 'many' }, 'duckdbThreadsPerActivity="many": expected a whole number'],
      [{ duckdbMemoryPerActivity: 'lots' }, 'duckdbMemoryPerActivity="lots": expected a size such as 512MB or 1.5GB'],
      [{ duckdbMemoryPerActivity: '32MB' }, 'duckdbMemoryPerActivity="32MB": expected at least 64MB'],
      [{ maxCachedWorkflows: 1 }, 'maxCachedWorkflows=1: expected 0 (no cache) or at least 2'],
      [{ maxConcurrentWorkflowTasks: 1 }, 'maxConcurrentWorkflowTasks=1: expected at least 2'],
      [{ stickyQueueTimeout: '0s' }, 'stickyQueueTimeout="0s": expected a duration above zero'],
    ];
    for (const [tuning, message] of cases) {
      const err = failure(() => sizeWorker(tuning, small));
      expect(err.code).toBe('INVALID_WORKER_OPTIONS');
      expect(err.message).toContain(message);
    }
  });

  it('refuses DuckDB memory x activities beyond the host', () => {
    expect(failure(() => sizeWorker({ duckdbMemoryPerActivity: '2GB' }, small)).message).toContain(
      '8 activities x 2 GB of DuckDB memory each is 16 GB, more than this host\'s 8 GB',
    );
    expect(failure(() => sizeWorker({}, small, { memoryLimit: '9GB' })).message).toContain('more than this host');
  });

  it('refuses more workflow tasks than cached workflows, and per-activity and whole-worker figures together', () => {
    expect(failure(() => sizeWorker({ maxCachedWorkflows: 10, maxConcurrentWorkflowTasks: 20 }, small)).message).toContain(
      '20 concurrent workflow tasks is more than the 10 cached workflows',
    );
    expect(failure(() => sizeWorker({ duckdbThreadsPerActivity: 1 }, small, { threads: 4 })).message).toContain('not both');
    expect(failure(() => sizeWorker({ duckdbMemoryPerActivity: '1GB' }, small, { memoryLimit: '4GB' })).message).toContain('not both');
  });
});

describe('where sizing comes from', () => {
  it('reads FEATUREFLOW_WORKER_* that are set and not empty, naming the variable when one is wrong', () => {
    expect(tuningFromEnv({ FEATUREFLOW_WORKER_MAX_ACTIVITIES: '4', FEATUREFLOW_WORKER_DUCKDB_MEMORY: '1GB', FEATUREFLOW_WORKER_STICKY_TIMEOUT: '' })).toEqual({
      maxConcurrentActivities: 4,
      duckdbMemoryPerActivity: '1GB',
    });
    expect(failure(() => tuningFromEnv({ FEATUREFLOW_WORKER_CACHED_WORKFLOWS: '-3' })).message).toContain(
      'FEATUREFLOW_WORKER_CACHED_WORKFLOWS="-3": expected at least 0',
    );
  });

  it('lets options win over the environment, and a whole-worker total over its per-activity variable', () => {
    const env = { FEATUREFLOW_WORKER_MAX_ACTIVITIES: '4', FEATUREFLOW_WORKER_DUCKDB_THREADS: '3', FEATUREFLOW_WORKER_MAX_WORKFLOW_TASKS: '8' };
    const sizing = resolveWorkerSizing({ maxConcurrentActivities: 2 }, {}, large, env);
    expect(sizing).toMatchObject({ maxConcurrentActivities: 2, duckdbThreadsPerActivity: 3, maxConcurrentWorkflowTasks: 8 });
    expect(resolveWorkerSizing({}, { threads: 8 }, large, env).engine.threads).toBe(8);
  });

  it('checks worker flags as usage errors naming the flag', () => {
    expect(tuningFlags({ 'max-activities': '3', 'duckdb-memory': '2GB', threads: '4' })).toEqual({
      maxConcurrentActivities: 3,
      duckdbMemoryPerActivity: '2GB',
    });
    const err = failure(() => tuningFlags({ 'sticky-timeout': 'soon' }));
    expect(err.code).toBe('USAGE');
    expect(err.message).toBe('--sticky-timeout="soon": expected a duration above zero such as 10s, 500ms or 1m');
  });

  it('stops `featureflow worker` before it starts when a flag is wrong or two flags set the same thing', async () => {
    const both = await runCli('worker', '--threads', '2', '--duckdb-threads', '1');
    expect(both).toMatchObject({ code: 2, err: expect.stringContaining('give --threads or --duckdb-threads, not both') as unknown });
    const bad = await runCli('worker', '--max-activities', '0');
    expect(bad).toMatchObject({ code: 2, err: expect.stringContaining('--max-activities="0": expected at least 1') as unknown });
  });
});
