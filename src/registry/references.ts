/**
 * Cross-reference checks (unknown entity or source, duplicate names, services naming missing features, ...). They
 * run on the raw input, skipping whatever has the wrong shape, so they report alongside the shape problems.
 */
import { tryParseDuration } from './duration.js';
import { formatPath, type ValidationIssue } from './errors.js';
import { aggregationColumnName, viewFeatures } from './features.js';
import { checkOnDemandViews } from './on-demand-references.js';
import { get, isRecord, known, list, nameOf, type Add, type Raw } from './raw.js';
import { AGGREGATION_FUNCTIONS, FeatureViewSchema } from './schema.js';
import { checkValidationRules } from './validation-references.js';
import { checkStreamSources } from './stream-references.js';

interface RefContext {
  entities: unknown[];
  sources: unknown[];
  entityIndex: Map<string, number>;
  sourceIndex: Map<string, number>;
  viewIndex: Map<string, number>;
}

/** Checks the references between objects on raw input, skipping whatever has the wrong shape. */
export function checkReferences(input: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const add: Add = (path, message) => issues.push({ path, message });
  const entities = list(get(input, 'entities'));
  const sources = list(get(input, 'sources'));
  const views = list(get(input, 'featureViews'));
  const services = list(get(input, 'featureServices'));
  const ctx: RefContext = {
    entities,
    sources,
    entityIndex: indexByName(entities, 'entities', 'entity', add),
    sourceIndex: indexByName(sources, 'sources', 'source', add),
    viewIndex: indexByName(views, 'featureViews', 'feature view', add),
  };
  const serviceIndex = indexByName(services, 'featureServices', 'feature service', add);
  for (const [name, i] of serviceIndex) {
    const v = ctx.viewIndex.get(name);
    if (v !== undefined) {
      add(`featureServices[${i}].name`, `"${name}" is also the name of a feature view (featureViews[${v}]); give the service another name`);
    }
  }
  // Computed views keep their rows in <offlineStore.path>/<view>/, and the stored registry is <offlineStore.path>/registry/.
  const clash = ctx.viewIndex.get('registry');
  if (clash !== undefined) add(`featureViews[${clash}].name`, '"registry" is reserved: the stored registry lives in <offlineStore.path>/registry');
  const pushedClash = ctx.viewIndex.get('pushed');
  if (pushedClash !== undefined) add(`featureViews[${pushedClash}].name`, '"pushed" is reserved: pushed rows live in <offlineStore.path>/pushed');
  // Folders of the offline store's own bookkeeping (S3 manifests, statistics, served-value logs).
  for (const [name, index] of ctx.viewIndex) {
    if (name.startsWith('_')) add(`featureViews[${index}].name`, `"${name}": names starting with "_" are reserved for the offline store's own folders`);
  }
  entities.forEach((e, i) => firstIndex(get(e, 'joinKeys'), `entities[${i}].joinKeys`, 'join key', add));
  checkSqlSources(ctx, add);
  checkPushSources(ctx, views, add);
  checkStreamSources(ctx, views, add);
  const offered = views.map((v, i) => (isRecord(v) ? checkView(v, `featureViews[${i}]`, ctx, add) : []));
  const onDemand = checkOnDemandViews(input, add);
  services.forEach((s, i) => checkService(s, i, ctx, offered, onDemand, add));
  return issues;
}

/**
 * Index of each string's first occurrence in `items`; later occurrences are reported as duplicates. `suffix`
 * points into each item, e.g. `.name` when objects are compared by name.
 */
function firstIndex(items: unknown, path: string, what: string, add: Add, suffix = ''): Map<string, number> {
  const seen = new Map<string, number>();
  list(items).forEach((item, i) => {
    if (typeof item !== 'string') return;
    const first = seen.get(item);
    if (first === undefined) seen.set(item, i);
    else add(`${path}[${i}]${suffix}`, `duplicate ${what} "${item}" (also at ${path}[${first}]${suffix})`);
  });
  return seen;
}

const indexByName = (items: unknown[], path: string, kind: string, add: Add): Map<string, number> =>
  firstIndex(items.map(nameOf), path, `${kind} name`, add, '.name');

const PLACEHOLDER_RE = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** `{name}` placeholders must name sources, and sql (and push) sources may not (indirectly) read themselves. */
function checkSqlSources(ctx: RefContext, add: Add): void {
  const deps = new Map<string, string[]>();
  ctx.sources.forEach((source, i) => {
    const query = get(source, 'query');
    // A push source reads its batch source, so it takes part in cycles like a sql source naming it.
    const batch = get(source, 'batchSource');
    const pushName = nameOf(source);
    if (get(source, 'type') === 'push' && typeof batch === 'string' && pushName !== undefined && ctx.sourceIndex.has(batch)) {
      if (ctx.sourceIndex.get(pushName) === i) deps.set(pushName, [batch]);
    }
    if (get(source, 'type') !== 'sql' || typeof query !== 'string') return;
    const refs = [...new Set([...query.matchAll(PLACEHOLDER_RE)].map((m) => m[1] as string))];
    for (const ref of refs.filter((r) => !ctx.sourceIndex.has(r))) {
      add(`sources[${i}].query`, `{${ref}} names no source; known sources: ${known(ctx.sourceIndex.keys())}`);
    }
    const name = nameOf(source);
    if (name !== undefined && ctx.sourceIndex.get(name) === i) deps.set(name, refs.filter((r) => ctx.sourceIndex.has(r)));
  });
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): void => {
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of deps.get(name) ?? []) {
      if (state.get(dep) === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(dep)), dep];
        const at = ctx.sourceIndex.get(dep);
        const field = get(ctx.sources[at as number], 'type') === 'push' ? 'batchSource' : 'query';
        const kinds = cycle.some((n) => get(ctx.sources[ctx.sourceIndex.get(n) as number], 'type') === 'push') ? 'sql and push' : 'sql';
        add(`sources[${at}].${field}`, `${kinds} sources form a cycle: ${cycle.join(' -> ')}`);
      } else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of deps.keys()) if (!state.has(name)) visit(name);
}

/**
 * A push source's batch source must be a source that holds rows itself; a view reading a push source must be a
 * plain view, because pushed rows are the view's own rows (a transform or aggregation would read them as input).
 */
function checkPushSources(ctx: RefContext, views: unknown[], add: Add): void {
  ctx.sources.forEach((source, i) => {
    const batch = get(source, 'batchSource');
    if (get(source, 'type') !== 'push' || typeof batch !== 'string') return;
    const index = ctx.sourceIndex.get(batch);
    if (index === undefined) {
      add(`sources[${i}].batchSource`, `unknown source "${batch}"; known sources: ${known(ctx.sourceIndex.keys())}`);
    } else if (get(ctx.sources[index], 'type') === 'push') {
      add(`sources[${i}].batchSource`, `"${batch}" is a push source; a batch source must be a file, table or sql source holding the historical rows`);
    }
  });
  views.forEach((view, i) => {
    const index = ctx.sourceIndex.get(String(get(view, 'source')));
    if (index === undefined || get(ctx.sources[index], 'type') !== 'push') return;
    for (const field of ['transform', 'aggregation'] as const) {
      if (get(view, field) === undefined) continue;
      add(`featureViews[${i}].${field}`, `the view reads push source "${String(get(view, 'source'))}", whose rows are the view's own rows: a view on a push source takes no ${field}`);
    }
  });
}

interface NamedFeature {
  name: string;
  path: string;
}

/** Checks one view and returns the feature names it offers (for the service checks). */
function checkView(view: unknown, base: string, ctx: RefContext, add: Add): string[] {
  firstIndex(get(view, 'entities'), `${base}.entities`, 'entity', add);
  const keyOwner = new Map<string, string>();
  const seenEntities = new Set<string>();
  list(get(view, 'entities')).forEach((entity, j) => {
    if (typeof entity !== 'string' || seenEntities.has(entity)) return;
    seenEntities.add(entity);
    const index = ctx.entityIndex.get(entity);
    if (index === undefined) {
      add(`${base}.entities[${j}]`, `unknown entity "${entity}"; known entities: ${known(ctx.entityIndex.keys())}`);
      return;
    }
    for (const key of list(get(ctx.entities[index], 'joinKeys'))) {
      if (typeof key !== 'string') continue;
      const owner = keyOwner.get(key);
      if (owner === undefined) keyOwner.set(key, entity);
      else if (owner !== entity) {
        add(`${base}.entities[${j}]`, `entities "${owner}" and "${entity}" share the join key "${key}", so a row could not tell them apart`);
      }
    }
  });

  const sourceName = get(view, 'source');
  let source: unknown;
  if (typeof sourceName === 'string') {
    const index = ctx.sourceIndex.get(sourceName);
    if (index === undefined) add(`${base}.source`, `unknown source "${sourceName}"; known sources: ${known(ctx.sourceIndex.keys())}`);
    else source = ctx.sources[index];
  }

  // `online` defaults to true; only an explicit false makes schedules and SLAs meaningless.
  if (get(view, 'online') === false) {
    for (const field of ['schedule', 'freshness'] as const) {
      if (get(view, field) === undefined) continue;
      const what = field === 'schedule' ? 'a materialization schedule' : 'a freshness SLA';
      add(`${base}.${field}`, `the view has online: false, so it is never materialized and ${what} has nothing to act on`);
    }
  }

  const schema = get(view, 'schema');
  const aggregation = get(view, 'aggregation');
  if (schema === undefined && aggregation === undefined) {
    add(`${base}.schema`, 'is required (the features the view offers) unless the view declares an aggregation');
  }
  if (get(view, 'transform') !== undefined && aggregation !== undefined) {
    add(`${base}.aggregation`, 'a view takes either a transform or an aggregation, not both');
  }
  const features: NamedFeature[] = isRecord(aggregation)
    ? checkAggregation(aggregation, `${base}.aggregation`, add)
    : list(schema).flatMap((f, j) => (nameOf(f) === undefined ? [] : [{ name: nameOf(f) as string, path: `${base}.schema[${j}].name` }]));
  if (!isRecord(aggregation)) firstIndex(list(schema).map(nameOf), `${base}.schema`, 'feature', add, '.name');

  const timestampFields = source === undefined ? [] : [get(source, 'timestampField') ?? 'event_timestamp', get(source, 'createdTimestampField')];
  for (const feature of features) {
    const owner = keyOwner.get(feature.name);
    if (owner !== undefined) add(feature.path, `feature "${feature.name}" has the name of a join key of entity "${owner}"`);
    if (timestampFields.includes(feature.name)) {
      add(feature.path, `feature "${feature.name}" has the name of a timestamp field of source "${String(sourceName)}"`);
    }
  }
  // Prefer the shared derivation so services resolve exactly as the engine will; fall back to the lenient list
  // when the view is malformed (its own problems are reported above).
  const parsed = FeatureViewSchema.safeParse(view);
  const offered = parsed.success ? viewFeatures(parsed.data) : features.map((f) => ({ name: f.name, dtype: undefined }));
  checkValidationRules(view, base, offered, add);
  return [...new Set(offered.map((f) => f.name))];
}

/** Checks an aggregation and returns the columns it yields, `<feature>_<window>`. */
function checkAggregation(aggregation: Raw, base: string, add: Add): NamedFeature[] {
  if (tryParseDuration(aggregation.cadence) === 0) add(`${base}.cadence`, 'must be longer than 0');
  const windows: Array<string | number> = [];
  const seenWindows = new Map<number, number>();
  list(aggregation.windows).forEach((window, j) => {
    const seconds = tryParseDuration(window);
    if (seconds === undefined) return;
    const first = seenWindows.get(seconds);
    if (seconds === 0) add(`${base}.windows[${j}]`, 'a window must be longer than 0');
    else if (first !== undefined) add(`${base}.windows[${j}]`, `window ${JSON.stringify(window)} repeats windows[${first}]`);
    else {
      seenWindows.set(seconds, j);
      windows.push(window as string | number);
    }
  });
  const features = list(aggregation.features);
  firstIndex(features.map(nameOf), `${base}.features`, 'aggregation feature', add, '.name');
  features.forEach((feature, j) => {
    const fn = get(feature, 'function');
    const knownFunction = (AGGREGATION_FUNCTIONS as readonly unknown[]).includes(fn);
    if (knownFunction && fn !== 'count' && get(feature, 'column') === undefined) {
      add(`${base}.features[${j}].column`, `function "${String(fn)}" needs a column to aggregate (only count may omit it)`);
    }
  });
  // A repeated feature is reported above; deriving its columns again would only repeat that problem.
  const emitted = new Set<string>();
  return features.flatMap((feature, j) => {
    const name = nameOf(feature);
    if (name === undefined || emitted.has(name)) return [];
    emitted.add(name);
    return windows.map((w) => ({ name: aggregationColumnName(name, w), path: `${base}.features[${j}].name` }));
  });
}

function checkService(
  service: unknown,
  i: number,
  ctx: RefContext,
  offered: string[][],
  onDemand: ReadonlyMap<string, string[]>,
  add: Add,
): void {
  const features = get(service, 'features');
  if (!isRecord(features)) return;
  for (const [viewName, names] of Object.entries(features)) {
    const path = formatPath(['featureServices', i, 'features', viewName]);
    const index = ctx.viewIndex.get(viewName);
    const outputs = onDemand.get(viewName);
    if (index === undefined && outputs === undefined) {
      add(path, `unknown feature view "${viewName}"; known views: ${known([...ctx.viewIndex.keys(), ...onDemand.keys()])}`);
      continue;
    }
    const has = index === undefined ? (outputs ?? []) : (offered[index] ?? []);
    firstIndex(names, path, 'feature', add);
    list(names).forEach((name, j) => {
      if (typeof name === 'string' && !has.includes(name)) {
        add(`${path}[${j}]`, `feature view "${viewName}" has no feature "${name}"; it has: ${known(has)}`);
      }
    });
  }
}
