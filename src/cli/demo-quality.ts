/**
 * The demo's feature-quality step: statistics of one view's computed rows, a snapshot of the weeks before as the
 * drift reference, a drift report of the last days against it (the demo data plants a price change there), and the
 * HTML statistics page, reference against current. What `featureflow stats` and `featureflow drift --run` do.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { closeEngine, openEngine } from '../engine/index.js';
import { computeDrift } from '../engine/stats/drift.js';
import { loadStats, saveSnapshot } from '../engine/stats/store.js';
import type { Repo } from '../registry/schema.js';
import { driftText } from './commands/drift.js';
import { statsHtml } from './stats-html.js';

const DAY_MS = 86_400_000;

export interface DemoQuality {
  html: string;
  level: string;
}

export async function runDemoQuality(repo: Repo, repoDir: string, view: string, days: number, now: Date = new Date()): Promise<DemoQuality> {
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  // The drift block's window (3d in the example) is the current range; the days before it, the reference, once the
  // longer windows have filled up (their first days hold partial sums, a drift of their own).
  const current = { start: new Date(today - 3 * DAY_MS), end: new Date(today + DAY_MS) };
  const warmUpDays = Math.min(30, Math.floor(days / 2));
  const reference = { start: new Date(today - (days - warmUpDays) * DAY_MS), end: current.start };
  const ctx = await openEngine(repo, repoDir, { threads: 2, memoryLimit: '1GB' });
  try {
    const referenceStats = await loadStats(ctx, view, reference.start, reference.end);
    await saveSnapshot(ctx, view, 'baseline', referenceStats);
    console.log(`saved snapshot "baseline" of ${view}: ${referenceStats.rows.toLocaleString('en')} rows, ${reference.start.toISOString().slice(0, 10)} to ${reference.end.toISOString().slice(0, 10)}`);
    const report = await computeDrift(ctx, view, { reference: { snapshot: 'baseline' }, current });
    console.log(driftText(repo.project, [{ view, checkedAt: now.toISOString(), report, lastAlert: null }]));
    const currentStats = await loadStats(ctx, view, current.start, current.end);
    const html = path.join(repoDir, '.featureflow', `stats-${view}.html`);
    writeFileSync(html, statsHtml({ current: currentStats, reference: referenceStats, referenceLabel: 'snapshot baseline' }));
    console.log(`statistics page (reference vs current, one histogram per feature): ${path.relative(process.cwd(), html)}`);
    return { html, level: report.level };
  } finally {
    closeEngine(ctx);
  }
}
