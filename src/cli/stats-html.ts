/**
 * `featureflow stats --html`: one static, self-contained page (inline CSS and SVG, no script, nothing fetched) with a
 * card per feature: its figures and a histogram, the reference drawn behind the current range when there is one.
 * Numeric histograms are re-binned from the sketch into equal-width bins between the p1 and p99 of both sides, so
 * outliers do not squash the picture (the end bins hold the tails, hence the ≤ and ≥ on the axis); string features
 * show their top values as bars.
 */
import { sketchCdf } from '../engine/stats/sketch.js';
import type { FeatureStats, NumericSketch, ViewStats } from '../engine/stats/types.js';

const BINS = 40;
const WIDTH = 560;
const HEIGHT = 160;
const CURRENT = '#2563eb';
const REFERENCE = '#f59e0b';

export interface StatsPage {
  current: ViewStats;
  reference?: ViewStats;
  /** How the reference was chosen, e.g. `snapshot baseline` or a range. */
  referenceLabel?: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function num(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Math.abs(value) >= 1e6 || Math.abs(value) < 1e-3 ? value.toExponential(3) : value.toPrecision(5);
}

/** Shares of the sketch's values in each of `edges`' bins. */
function binShares(sketch: NumericSketch, edges: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < edges.length; i++) {
    const lo = i === 1 ? Number.NEGATIVE_INFINITY : (edges[i - 1] as number);
    const hi = i === edges.length - 1 ? Number.POSITIVE_INFINITY : (edges[i] as number);
    const below = (x: number): number => (x === Number.NEGATIVE_INFINITY ? 0 : x === Number.POSITIVE_INFINITY ? 1 : sketchCdf(sketch, x));
    out.push(Math.max(0, below(hi) - below(lo)));
  }
  return out;
}

function numericSvg(current: FeatureStats, reference: FeatureStats | undefined): string {
  const sides = [current, reference].filter((f): f is FeatureStats => f?.sketch !== undefined && f.sketch.count > 0);
  if (sides.length === 0) return emptySvg('no values');
  const lo = Math.min(...sides.map((f) => f.quantiles?.p1 ?? f.min ?? 0));
  let hi = Math.max(...sides.map((f) => f.quantiles?.p99 ?? f.max ?? 0));
  if (!(hi > lo)) hi = lo + 1;
  const edges = Array.from({ length: BINS + 1 }, (_, i) => lo + ((hi - lo) * i) / BINS);
  const series = [
    ...(reference?.sketch ? [{ shares: binShares(reference.sketch, edges), color: REFERENCE, opacity: 0.55 }] : []),
    ...(current.sketch ? [{ shares: binShares(current.sketch, edges), color: CURRENT, opacity: 0.75 }] : []),
  ];
  const top = Math.max(...series.flatMap((s) => s.shares), 1e-12);
  const barWidth = WIDTH / BINS;
  const bars = series
    .map((s) =>
      s.shares
        .map((share, i) => {
          const h = (share / top) * (HEIGHT - 20);
          return `<rect x="${(i * barWidth).toFixed(1)}" y="${(HEIGHT - 20 - h).toFixed(1)}" width="${(barWidth - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}" fill-opacity="${s.opacity}"><title>${escapeHtml(`${num(edges[i])} – ${num(edges[i + 1])}: ${(share * 100).toFixed(1)}%`)}</title></rect>`;
        })
        .join(''),
    )
    .join('');
  const axis = `<text x="0" y="${HEIGHT - 4}" class="axis">≤ ${escapeHtml(num(lo))}</text><text x="${WIDTH}" y="${HEIGHT - 4}" class="axis" text-anchor="end">≥ ${escapeHtml(num(hi))}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="histogram of ${escapeHtml(current.feature)}">${bars}${axis}</svg>`;
}

function topKSvg(current: FeatureStats, reference: FeatureStats | undefined): string {
  const values = [...new Set([...(current.topK ?? []), ...(reference?.topK ?? [])].map((t) => t.value))].slice(0, 10);
  if (values.length === 0) return emptySvg('no values');
  const share = (f: FeatureStats | undefined, v: string): number => {
    const total = f?.count ?? 0;
    return total === 0 ? 0 : (f?.topK?.find((t) => t.value === v)?.count ?? 0) / total;
  };
  const row = 22;
  const label = 140;
  const scale = Math.max(...values.flatMap((v) => [share(current, v), share(reference, v)]), 1e-12);
  const rows = values
    .map((v, i) => {
      const y = i * row;
      const bar = (f: FeatureStats | undefined, color: string, dy: number, h: number): string =>
        `<rect x="${label}" y="${y + dy}" width="${((share(f, v) / scale) * (WIDTH - label - 50)).toFixed(1)}" height="${h}" fill="${color}"><title>${escapeHtml(`${v}: ${(share(f, v) * 100).toFixed(1)}%`)}</title></rect>`;
      const text = `<text x="${label - 6}" y="${y + 15}" text-anchor="end" class="axis">${escapeHtml(v.length > 20 ? `${v.slice(0, 19)}…` : v)}</text>`;
      return text + (reference ? bar(reference, REFERENCE, 2, 8) + bar(current, CURRENT, 10, 8) : bar(current, CURRENT, 3, 14));
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${values.length * row}" role="img" aria-label="top values of ${escapeHtml(current.feature)}">${rows}</svg>`;
}

function emptySvg(text: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} 40"><text x="${WIDTH / 2}" y="24" text-anchor="middle" class="axis">${escapeHtml(text)}</text></svg>`;
}

function figures(f: FeatureStats, reference: FeatureStats | undefined): string {
  const rows: Array<[string, (s: FeatureStats) => number | undefined, (n: number | undefined) => string]> = [
    ['count', (s) => s.count, num],
    ['null rate', (s) => s.nullRate, (n) => (n === undefined ? '–' : `${(n * 100).toFixed(2)}%`)],
    ['distinct', (s) => s.distinct, num],
    ['mean', (s) => s.mean, num],
    ['stddev', (s) => s.stddev, num],
    ['min', (s) => s.min, num],
    ['p50', (s) => s.quantiles?.p50, num],
    ['p99', (s) => s.quantiles?.p99, num],
    ['max', (s) => s.max, num],
  ];
  const shown = rows.filter(([, get]) => get(f) !== undefined || (reference && get(reference) !== undefined));
  const head = reference ? '<tr><th></th><th>current</th><th>reference</th></tr>' : '';
  const body = shown
    .map(([name, get, fmt]) => `<tr><th>${name}</th><td>${fmt(get(f))}</td>${reference ? `<td>${fmt(get(reference))}</td>` : ''}</tr>`)
    .join('');
  return `<table>${head}${body}</table>`;
}

export function statsHtml(page: StatsPage): string {
  const { current, reference } = page;
  const refOf = (name: string): FeatureStats | undefined => reference?.features.find((f) => f.feature === name);
  const cards = current.features
    .map((f) => {
      const ref = refOf(f.feature);
      const chart = f.sketch ? numericSvg(f, ref) : f.topK ? topKSvg(f, ref) : emptySvg(`no chart for ${f.dtype}`);
      return `<section class="card"><h2>${escapeHtml(f.feature)} <small>${escapeHtml(f.dtype)}</small></h2>${chart}${figures(f, ref)}</section>`;
    })
    .join('\n');
  const legend = reference
    ? `<p class="legend"><span style="background:${CURRENT}"></span>current ${escapeHtml(current.start)} – ${escapeHtml(current.end)} (${num(current.rows)} rows) <span style="background:${REFERENCE}"></span>reference: ${escapeHtml(page.referenceLabel ?? `${reference.start} – ${reference.end}`)} (${num(reference.rows)} rows)</p>`
    : `<p class="legend"><span style="background:${CURRENT}"></span>${escapeHtml(current.start)} – ${escapeHtml(current.end)}, ${num(current.rows)} rows</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(current.view)} statistics</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#111;background:#f8fafc}
h1{margin:0 0 4px}.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:16px}
.card{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:12px 16px}
.card h2{font-size:16px;margin:0 0 8px}.card small{color:#64748b;font-weight:normal}
svg{width:100%;height:auto;display:block;margin-bottom:8px}.axis{font-size:11px;fill:#475569}
table{border-collapse:collapse;font-size:13px}th{text-align:left;color:#475569;font-weight:normal;padding:1px 12px 1px 0}td{text-align:right;padding:1px 12px 1px 0;font-variant-numeric:tabular-nums}
</style></head>
<body><h1>${escapeHtml(current.view)}</h1>${legend}
<div class="grid">
${cards}
</div></body></html>
`;
}
