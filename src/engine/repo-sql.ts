/**
 * Applies sql-guard.ts to every piece of SQL text a repo supplies, expanded exactly as the engine will run it:
 * sql source queries (placeholders expanded), transforms (`{source}` expanded) and aggregation columns and filters.
 * Run when an engine opens (so a worker, a server or a command refuses the repo before anything runs), when the
 * repo's data is checked at load/plan time, and again before a view is computed.
 */
import type { FeatureView } from '../registry/schema.js';
import type { EngineContext } from './context.js';
import { SourceError } from './errors.js';
import { checkExpression, checkSelectQuery } from './sql-guard.js';
import { placeholderNames, sourceRelation, sqlSourceQuery, transformQuery } from './sources.js';

export async function checkRepoSql(ctx: EngineContext): Promise<void> {
  for (const source of ctx.repo.sources) {
    if (source.type === 'sql') await unlessUnexpandable(checkSourceSql(ctx, source.name));
  }
  for (const view of ctx.repo.featureViews) await unlessUnexpandable(checkViewSql(ctx, view, false));
}

/**
 * A query that cannot even be expanded (a cycle between sql sources, a path outside the data roots) cannot run
 * either: the same SourceError is raised where it would be used, so here only unsafe SQL stops the engine.
 */
async function unlessUnexpandable(check: Promise<void>): Promise<void> {
  try {
    await check;
  } catch (err) {
    if (!(err instanceof SourceError)) throw err;
  }
}

/** The source and every sql source it reads through placeholders or as a push source's batch source. */
export async function checkSourceSql(ctx: EngineContext, name: string, seen: Set<string> = new Set()): Promise<void> {
  if (seen.has(name)) return;
  seen.add(name);
  const source = ctx.repo.sources.find((s) => s.name === name);
  if (source?.type === 'push' || source?.type === 'stream') return checkSourceSql(ctx, source.batchSource, seen);
  if (source?.type !== 'sql') return;
  // The sources it names first, so an error names the source whose own text is wrong.
  for (const other of placeholderNames(source.query)) await checkSourceSql(ctx, other, seen);
  await checkSelectQuery(sqlSourceQuery(ctx, source), `sql source "${name}": the query`);
}

/** A view's source chain (unless already checked), its transform and its aggregation expressions. */
export async function checkViewSql(ctx: EngineContext, view: FeatureView, withSource = true): Promise<void> {
  if (withSource) await checkSourceSql(ctx, view.source);
  if (view.transform) {
    const expanded = transformQuery(view.transform.sql, sourceRelation(ctx, view.source));
    await checkSelectQuery(expanded, `view "${view.name}": the transform SQL`);
  }
  for (const f of view.aggregation?.features ?? []) {
    const what = `view "${view.name}", aggregation "${f.name}"`;
    if (f.column !== undefined) await checkExpression(f.column, `${what}: the column expression`);
    if (f.filter !== undefined) await checkExpression(f.filter, `${what}: the filter`);
  }
  for (const [j, rule] of (view.validation ?? []).entries()) {
    if (rule.rule === 'sql') await checkExpression(rule.predicate, `view "${view.name}", validation[${j}] ("${rule.name}"): the predicate`);
  }
}
