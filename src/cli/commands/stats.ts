/**
 * `featureflow stats`: a view's feature statistics over a range, from the stored per-date stats (engine/stats), as a
 * table, JSON or a self-contained HTML page; `featureflow stats snapshot` stores a range's stats under a name, the
 * fixed reference drift checks compare against.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FeatureStats, ViewStats } from '../../engine/stats/types.js';
import { loadValidatedRepo } from '../../registry/load.js';
import { CONFIG_OPTION, parseCommandArgs, UsageError } from '../args.js';
import { parseInstant } from '../instant.js';
import { statsHtml } from '../stats-html.js';
import { formatTable } from '../table.js';

const DAY_MS = 86_400_000;
const DEFAULT_DAYS = 7;

const USAGE = `usage: featureflow stats VIEW [--start T --end T] [--json | --html OUT] [--config FILE]
       featureflow stats VIEW --html OUT (--reference-start T --reference-end T | --snapshot NAME)
       featureflow stats snapshot VIEW NAME [--start T --end T] [--config FILE]

Feature statistics of a view's rows in [start, end): count, null rate, mean, stddev, min, quantiles, max,
approximate distinct count, top values of strings. Read from the stats stored per UTC date (computeFeatures writes
them for computed views, the computeStats activity for plain views); up to 31 dates without stored stats are
computed on the spot and stored. \`snapshot\` stores the range's stats under NAME (a drift reference).

options:
  -c, --config FILE          the repo config (default: featureflow.config.ts, then featureflow.json, here)
      --start T, --end T     the range, ISO-8601 or now (default: the last ${DEFAULT_DAYS} whole UTC days up to today's end)
      --json                 print the ViewStats JSON
      --html OUT             write a self-contained HTML page with a histogram per feature
      --reference-start T, --reference-end T
                             draw this range's distribution behind the current one (with --html)
      --snapshot NAME        draw snapshot NAME behind the current range (with --html)
  -h, --help                 show this help`;

const OPTIONS = {
  ...CONFIG_OPTION,
  start: { type: 'string' },
  end: { type: 'string' },
  json: { type: 'boolean' },
  html: { type: 'string' },
  'reference-start': { type: 'string' },
  'reference-end': { type: 'string' },
  snapshot: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>['values'];

function range(values: Values, now = new Date()): { start: Date; end: Date } {
  const end = values.end !== undefined ? parseInstant(values.end, '--end') : new Date(Math.ceil(now.getTime() / DAY_MS) * DAY_MS);
  const start = values.start !== undefined ? parseInstant(values.start, '--start') : new Date(end.getTime() - DEFAULT_DAYS * DAY_MS);
  if (!(start < end)) throw new UsageError(`--start ${start.toISOString()} must be before --end ${end.toISOString()}\n\n${USAGE}`);
  return { start, end };
}

type Reference = { kind: 'range'; start: Date; end: Date } | { kind: 'snapshot'; name: string } | undefined;

function reference(values: Values): Reference {
  const rs = values['reference-start'];
  const re = values['reference-end'];
  if (values.snapshot !== undefined && (rs !== undefined || re !== undefined)) {
    throw new UsageError(`give --snapshot or --reference-start/--reference-end, not both\n\n${USAGE}`);
  }
  if ((rs === undefined) !== (re === undefined)) throw new UsageError(`--reference-start and --reference-end go together\n\n${USAGE}`);
  const ref: Reference =
    values.snapshot !== undefined
      ? { kind: 'snapshot', name: values.snapshot }
      : rs !== undefined && re !== undefined
        ? { kind: 'range', start: parseInstant(rs, '--reference-start'), end: parseInstant(re, '--reference-end') }
        : undefined;
  if (ref && values.html === undefined) throw new UsageError(`a reference (--snapshot, --reference-start/--reference-end) is drawn with --html only\n\n${USAGE}`);
  return ref;
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const isSnapshot = positionals[0] === 'snapshot';
  const expected = isSnapshot ? 3 : 1;
  if (positionals.length !== expected) {
    const problem = positionals.length < expected ? `missing ${isSnapshot ? 'VIEW NAME' : 'VIEW'}` : `unexpected argument "${positionals[expected]}"`;
    throw new UsageError(`${problem}\n\n${USAGE}`);
  }
  if (values.json && values.html !== undefined) throw new UsageError(`give --json or --html, not both\n\n${USAGE}`);
  const view = positionals[isSnapshot ? 1 : 0] as string;
  const { start, end } = range(values);
  const ref = isSnapshot ? undefined : reference(values);
  const loaded = await loadValidatedRepo(values.config);
  const [{ closeEngine, openEngine }, { loadSnapshot, loadStats, saveSnapshot }] = await Promise.all([
    import('../../engine/index.js'),
    import('../../engine/stats/store.js'),
  ]);
  const ctx = await openEngine(loaded.repo, loaded.repoDir, { threads: 2, memoryLimit: '1GB' });
  try {
    const stats = await loadStats(ctx, view, start, end);
    if (isSnapshot) {
      const name = positionals[2] as string;
      await saveSnapshot(ctx, view, name, stats);
      console.log(`Stored snapshot "${name}" of view "${view}": ${stats.start} – ${stats.end}, ${stats.rows} rows, ${stats.features.length} features.`);
      return 0;
    }
    if (values.json) {
      console.log(JSON.stringify(stats, null, 2));
      return 0;
    }
    if (values.html !== undefined) {
      const refStats = ref === undefined ? undefined : ref.kind === 'snapshot' ? await loadSnapshot(ctx, view, ref.name) : await loadStats(ctx, view, ref.start, ref.end);
      const label = ref?.kind === 'snapshot' ? `snapshot "${ref.name}"` : undefined;
      const out = path.resolve(values.html);
      await writeFile(out, statsHtml({ current: stats, ...(refStats ? { reference: refStats } : {}), ...(label ? { referenceLabel: label } : {}) }));
      console.log(`Wrote ${out} (${stats.features.length} features, ${stats.rows} rows).`);
      return 0;
    }
    console.log(statsReport(stats));
    return 0;
  } finally {
    closeEngine(ctx);
  }
}

function topText(f: FeatureStats): string {
  if (!f.topK || f.topK.length === 0 || f.count === 0) return '';
  return f.topK
    .slice(0, 3)
    .map((t) => `${t.value} ${((t.count / f.count) * 100).toFixed(0)}%`)
    .join(', ');
}

export function statsReport(stats: ViewStats): string {
  const rows = stats.features.map((f) => ({
    feature: f.feature,
    dtype: f.dtype,
    count: f.count,
    'null %': Number((f.nullRate * 100).toFixed(2)),
    mean: f.mean ?? '',
    stddev: f.stddev ?? '',
    min: f.min ?? '',
    p50: f.quantiles?.p50 ?? '',
    p99: f.quantiles?.p99 ?? '',
    max: f.max ?? '',
    distinct: f.distinct ?? '',
    top: topText(f),
  }));
  const columns = ['feature', 'dtype', 'count', 'null %', 'mean', 'stddev', 'min', 'p50', 'p99', 'max', 'distinct', 'top'];
  return `Statistics of view "${stats.view}" over ${stats.start} – ${stats.end}: ${stats.rows} rows\n\n${formatTable(rows, columns)}`;
}
