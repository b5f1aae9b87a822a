/**
 * `featureflow offline sweep`: deletes what offline writers leave behind on purpose (see engine/offline/sweep.ts):
 * on S3, objects no manifest entry publishes (a writer that died between upload and publish, ranges a rerun
 * superseded) and fully superseded manifest entries; locally, temp files of writers that died before their rename.
 */
import { DEFAULT_SWEEP_GRACE_MS, type SweepResult } from '../../engine/offline/sweep.js';
import { parseDuration } from '../../registry/duration.js';
import { loadValidatedRepo } from '../../registry/load.js';
import { CONFIG_OPTION, parseCommandArgs, UsageError } from '../args.js';

const USAGE = `usage: featureflow offline sweep [--config FILE] [--older-than 1h] [--dry-run] [--json]

Deletes what offline writers leave behind on purpose. On an S3 offline store: objects no manifest entry references
(a worker died between its upload and its publish, or a rerun superseded them) and manifest entries whose every
range was superseded; on a local store: temp files of writers that died before their rename. Only what is older
than --older-than goes, since a reader that listed the store a moment ago may still be reading it.

options:
  -c, --config FILE     the repo config (default: featureflow.config.ts, then featureflow.json, here)
      --older-than D    grace period (default ${DEFAULT_SWEEP_GRACE_MS / 3_600_000}h; e.g. 30m, 2h, 1d)
      --dry-run         list what would go, delete nothing
      --json            print JSON
  -h, --help            show this help`;

const OPTIONS = {
  ...CONFIG_OPTION,
  'older-than': { type: 'string' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [action, ...rest] = positionals;
  if (action !== 'sweep') throw new UsageError(`${action === undefined ? 'missing' : `unknown action "${action}"; expected`} sweep\n\n${USAGE}`);
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"\n\n${USAGE}`);
  let graceMs = DEFAULT_SWEEP_GRACE_MS;
  if (values['older-than'] !== undefined) {
    try {
      graceMs = parseDuration(values['older-than']) * 1000;
    } catch (err) {
      throw new UsageError(`--older-than: ${(err as Error).message}\n\n${USAGE}`);
    }
  }
  const loaded = await loadValidatedRepo(values.config);
  const [{ closeEngine, openEngine }, { sweepOffline }] = await Promise.all([
    import('../../engine/index.js'),
    import('../../engine/offline/sweep.js'),
  ]);
  const ctx = await openEngine(loaded.repo, loaded.repoDir, { threads: 1, memoryLimit: '512MB' });
  try {
    const result = await sweepOffline(ctx, { graceMs, dryRun: values['dry-run'] === true });
    console.log(values.json ? JSON.stringify(result, null, 2) : sweepReport(result));
    return 0;
  } finally {
    closeEngine(ctx);
  }
}

export function sweepReport(r: SweepResult): string {
  const verb = r.dryRun ? 'would delete' : 'deleted';
  const lines = [`${r.store}: ${verb} ${r.entries.length} superseded manifest entries and ${r.files.length} unreferenced files (${(r.bytes / 2 ** 20).toFixed(1)} MiB)`];
  for (const e of r.entries) lines.push(`  entry ${e}`);
  for (const f of r.files) lines.push(`  file  ${f}`);
  return lines.join('\n');
}
