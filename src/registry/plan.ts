/**
 * What `apply` would change: the repo is split into named objects and compared with the stored registry field by
 * field, so a plan reads like terraform's and the history records exactly what moved.
 */
import { isTransformFn, type OnDemandFeatureView, type Repo } from './schema.js';

export const OBJECT_KINDS = ['project', 'entity', 'source', 'featureView', 'featureService', 'onDemandFeatureView'] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

export interface RepoObject {
  kind: ObjectKind;
  name: string;
  /** The object's definition as plain JSON (defaults applied, undefined fields dropped). */
  spec: unknown;
}

export interface StoredObject extends RepoObject {
  /** 1 when added, +1 on each apply that changes it. */
  version: number;
  updatedAt: string;
}

export interface StoredRegistry {
  project: string;
  /** +1 on each apply that changes something. */
  version: number;
  appliedAt: string;
  objects: StoredObject[];
}

export interface FieldChange {
  /** Path inside the object's spec, like `ttl`, `schema[1].dtype` or `tags.team`. */
  path: string;
  before: unknown;
  after: unknown;
}

export interface Change {
  kind: ObjectKind;
  name: string;
  action: 'add' | 'change' | 'remove';
  /** Field-level differences; empty for add and remove, whose whole spec is in the registry or its history. */
  fields: FieldChange[];
}

/** The repo as named objects, in a stable order (kind, then name). */
export function repoObjects(repo: Repo): RepoObject[] {
  const objects: RepoObject[] = [
    {
      kind: 'project',
      name: repo.project,
      spec: { name: repo.project, description: repo.description, offlineStore: repo.offlineStore, onlineStore: repo.onlineStore },
    },
    ...repo.entities.map((spec) => ({ kind: 'entity' as const, name: spec.name, spec })),
    ...repo.sources.map((spec) => ({ kind: 'source' as const, name: spec.name, spec })),
    ...repo.featureViews.map((spec) => ({ kind: 'featureView' as const, name: spec.name, spec })),
    ...repo.featureServices.map((spec) => ({ kind: 'featureService' as const, name: spec.name, spec })),
    ...repo.onDemandFeatureViews.map((spec) => ({ kind: 'onDemandFeatureView' as const, name: spec.name, spec: onDemandSpec(spec) })),
  ];
  return sortObjects(objects.map((o) => ({ ...o, spec: toJson(o.spec) })));
}

/** A function cannot be stored as JSON: it is stored (and diffed) by its source text. */
export function onDemandSpec(odfv: OnDemandFeatureView): unknown {
  return { ...odfv, transform: isTransformFn(odfv.transform) ? odfv.transform.toString() : odfv.transform };
}

export function objectKey(o: { kind: ObjectKind; name: string }): string {
  return `${o.kind}:${o.name}`;
}

export function sortObjects<T extends { kind: ObjectKind; name: string }>(objects: T[]): T[] {
  // Code-unit comparison, not localeCompare, so the order never depends on the machine's locale.
  return [...objects].sort(
    (a, b) => OBJECT_KINDS.indexOf(a.kind) - OBJECT_KINDS.indexOf(b.kind) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

export function planChanges(stored: StoredRegistry | undefined, repo: Repo): Change[] {
  const before = new Map((stored?.objects ?? []).map((o) => [objectKey(o), o]));
  const after = repoObjects(repo);
  const afterKeys = new Set(after.map(objectKey));
  const changes: Change[] = [];
  for (const object of after) {
    const previous = before.get(objectKey(object));
    if (!previous) {
      changes.push({ kind: object.kind, name: object.name, action: 'add', fields: [] });
      continue;
    }
    const fields: FieldChange[] = [];
    diffValues(previous.spec, object.spec, '', fields);
    if (fields.length > 0) changes.push({ kind: object.kind, name: object.name, action: 'change', fields });
  }
  for (const object of before.values()) {
    if (!afterKeys.has(objectKey(object))) changes.push({ kind: object.kind, name: object.name, action: 'remove', fields: [] });
  }
  return sortObjects(changes);
}

/** JSON round trip: what is stored is what is compared, so `undefined` fields never show up as changes. */
export function toJson(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function diffValues(before: unknown, after: unknown, path: string, out: FieldChange[]): void {
  if (isEqual(before, after)) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...Object.keys(before), ...Object.keys(after).filter((k) => !(k in before))];
    for (const key of keys) diffValues(before[key], after[key], joinKey(path, key), out);
  } else if (Array.isArray(before) && Array.isArray(after)) {
    for (let i = 0; i < Math.max(before.length, after.length); i++) diffValues(before[i], after[i], `${path}[${i}]`, out);
  } else {
    out.push({ path: path || '(root)', before, after });
  }
}

function joinKey(path: string, key: string): string {
  if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path ? `${path}.${key}` : key;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => isEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => isEqual(a[k], b[k]));
  }
  return false;
}

const SYMBOLS = { add: '+', change: '~', remove: '-' } as const;

export function formatPlan(changes: readonly Change[]): string {
  if (changes.length === 0) return 'No changes.';
  const count = (action: Change['action']): number => changes.filter((c) => c.action === action).length;
  const summary = `Plan: ${count('add')} to add, ${count('change')} to change, ${count('remove')} to remove.`;
  return [...formatChanges(changes), '', summary].join('\n');
}

/** One line per object (`+ featureView user_stats`), each changed field indented under it. */
export function formatChanges(changes: readonly Change[]): string[] {
  return changes.flatMap((change) => [
    `${SYMBOLS[change.action]} ${change.kind} ${change.name}`,
    ...change.fields.map((f) => `    ${f.path}: ${formatValue(f.before)} -> ${formatValue(f.after)}`),
  ]);
}

function formatValue(value: unknown): string {
  return value === undefined ? '(none)' : JSON.stringify(value);
}
