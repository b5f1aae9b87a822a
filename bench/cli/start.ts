/**
 * CLI start-up (issue 13): wall time of `featureflow --help` and `featureflow historical --help` from the compiled
 * JavaScript (bin/featureflow-dist.js, what an installed package runs; `npm run build` first, done here when dist/
 * is missing) and from the sources through tsx (bin/featureflow.js, what a clone runs). Median of 7 runs each,
 * with the machine's load. Targets (compiled, idle machine): --help < 150 ms, historical --help < 300 ms.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUNS = Number(process.env['RUNS'] ?? 7);

if (!existsSync(path.join(root, 'dist', 'cli', 'main.js'))) {
  console.log('building dist/ (npm run build) ...');
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function time(bin: string, args: string[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const run = spawnSync(process.execPath, [path.join(root, 'bin', bin), ...args], { cwd: root, stdio: 'ignore' });
    if (run.status !== 0) throw new Error(`${bin} ${args.join(' ')} exited ${run.status}`);
    out.push(performance.now() - started);
  }
  return out;
}

console.log(`machine: ${os.availableParallelism()} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (1/5/15 min)`);
const cases = [
  { label: 'featureflow --help', args: ['--help'], targetMs: 150 },
  { label: 'featureflow historical --help', args: ['historical', '--help'], targetMs: 300 },
];
for (const { bin, what } of [
  { bin: 'featureflow-dist.js', what: 'compiled' },
  { bin: 'featureflow.js', what: 'sources (tsx)' },
]) {
  for (const c of cases) {
    const runs = time(bin, c.args);
    const target = what === 'compiled' ? ` (target < ${c.targetMs} ms)` : '';
    console.log(`${what.padEnd(14)} ${c.label.padEnd(30)} median ${median(runs).toFixed(0)} ms${target}; runs ${runs.map((r) => r.toFixed(0)).join(', ')}`);
  }
}

// Every other command's --help, compiled: none should load DuckDB, Redis or Temporal just to print its options.
const EVERY = ['plan', 'apply', 'registry', 'materialize', 'materialize-incremental', 'worker', 'backfill', 'schedules', 'stream', 'freshness',
  'drift', 'stats', 'offline', 'watermarks', 'temporal', 'replay', 'skew', 'serve', 'tokens', 'init', 'dev', 'demo'];
const every = EVERY.map((name) => ({ name, ms: median(time('featureflow-dist.js', [name, '--help'])) }));
const slowest = every.reduce((a, b) => (b.ms > a.ms ? b : a));
console.log(`compiled       <command> --help for ${EVERY.length} commands: ${every.map((c) => `${c.name} ${c.ms.toFixed(0)}`).join(', ')} ms`);
console.log(`               slowest ${slowest.name} ${slowest.ms.toFixed(0)} ms (target < 300 ms, as historical --help): ${slowest.ms < 300 ? 'met' : 'not met'}`);
