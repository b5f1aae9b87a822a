/**
 * `featureflow skew SERVICE --start T --end T`: training/serving skew of a feature service from its serving log
 * (`serve --log-served`): what was served against what the offline engine computes for the same keys at the same
 * instants, per feature and hour (engine/skew.ts).
 */
import type { SkewReport } from '../../engine/skew.js';
import { DEFAULT_SKEW_TOLERANCE } from '../../engine/skew-compare.js';
import { expandService } from '../../registry/features.js';
import { loadValidatedRepo } from '../../registry/load.js';
import { CONFIG_OPTION, parseCommandArgs, UsageError } from '../args.js';
import { parseInstant } from '../instant.js';
import { formatTable } from '../table.js';

const USAGE = `usage: featureflow skew SERVICE --start T --end T [--json] [--tolerance X] [--config FILE]

Training/serving skew of feature service SERVICE: the values the API served (logged by
\`featureflow serve --log-served SERVICE[:RATE]\`) with start <= request time < end, against the same
entity keys recomputed point-in-time by the offline engine at each request's time. Per feature and hour:
rows, mismatch rate (numbers within a relative tolerance match), SMAPE of numbers (0 = equal, 2 = worst),
and null asymmetry: served null with an offline value ("served null"), and the reverse ("offline null").

options:
  -c, --config FILE   the repo config (default: featureflow.config.ts, then featureflow.json, here)
      --start T       first request time (ISO-8601, UTC unless zoned, or "now")
      --end T         end of the range, exclusive
      --tolerance X   relative tolerance for numbers (default ${DEFAULT_SKEW_TOLERANCE})
      --json          print the report as JSON
  -h, --help          show this help`;

const OPTIONS = {
  ...CONFIG_OPTION,
  start: { type: 'string' },
  end: { type: 'string' },
  tolerance: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one feature service, got ${positionals.length}\n\n${USAGE}`);
  const service = positionals[0] as string;
  if (values.start === undefined || values.end === undefined) throw new UsageError(`--start and --end are required\n\n${USAGE}`);
  const start = parseInstant(values.start, '--start');
  const end = parseInstant(values.end, '--end');
  if (end <= start) throw new UsageError(`--end (${end.toISOString()}) must be after --start (${start.toISOString()})`);
  const tolerance = values.tolerance === undefined ? DEFAULT_SKEW_TOLERANCE : Number(values.tolerance);
  if (!(Number.isFinite(tolerance) && tolerance >= 0)) {
    throw new UsageError(`--tolerance must be a number >= 0, got ${JSON.stringify(values.tolerance)}`);
  }
  const { repo, repoDir } = await loadValidatedRepo(values.config);
  expandService(repo, service);
  const [{ closeEngine, openEngine }, { computeSkew }] = await Promise.all([
    import('../../engine/context.js'),
    import('../../engine/skew.js'),
  ]);
  const ctx = await openEngine(repo, repoDir);
  let report: SkewReport;
  try {
    report = await computeSkew(ctx, service, { start, end, tolerance });
  } finally {
    closeEngine(ctx);
  }
  console.log(values.json ? JSON.stringify(report, null, 2) : skewText(report));
  return 0;
}

export function skewText(report: SkewReport): string {
  const range = `${report.start} to ${report.end}`;
  if (report.rows === 0) return `No served values of "${report.service}" were logged from ${range}.`;
  const rows = report.features.map((f) => ({
    feature: f.feature,
    hour: f.hour.replace(':00:00.000Z', 'Z'),
    rows: f.rows,
    mismatches: f.mismatches,
    rate: `${(f.mismatchRate * 100).toFixed(2)}%`,
    smape: f.smape === null ? '-' : f.smape.toFixed(4),
    'served null': f.servedNullOfflineValue,
    'offline null': f.servedValueOfflineNull,
  }));
  const bad = report.features.filter((f) => f.mismatches > 0).length;
  const summary = bad === 0 ? 'no mismatches' : `${bad} feature-hour${bad === 1 ? '' : 's'} with mismatches`;
  const columns = ['feature', 'hour', 'rows', 'mismatches', 'rate', 'smape', 'served null', 'offline null'];
  return `Skew of "${report.service}" from ${range} (${report.rows} logged rows, tolerance ${report.tolerance}): ${summary}\n\n${formatTable(rows, columns)}`;
}
