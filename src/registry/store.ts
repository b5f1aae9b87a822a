/**
 * The stored registry: what was last applied, with a version per object and one history file per apply. It lives
 * next to the offline data (`<offlineStore.path>/registry/`) so a repo and the data built from it travel together.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { isRemotePath } from './data-paths.js';
import { z } from 'zod';
import { FeatureflowError } from './errors.js';
import { resolveRepoPath } from './load.js';
import {
  OBJECT_KINDS,
  objectKey,
  planChanges,
  repoObjects,
  type Change,
  type StoredObject,
  type StoredRegistry,
} from './plan.js';
import type { Repo } from './schema.js';

export type { Change, StoredObject, StoredRegistry } from './plan.js';

export interface HistoryEntry {
  version: number;
  appliedAt: string;
  changes: Change[];
  /** The whole registry right after this apply. */
  registry: StoredRegistry;
}

export interface ApplyResult {
  /** The registry version now stored (unchanged when there was nothing to apply; 0 if never applied). */
  version: number;
  changes: Change[];
}

type RepoLocation = Pick<Repo, 'offlineStore'>;

const StoredObjectSchema = z.object({
  kind: z.enum(OBJECT_KINDS),
  name: z.string(),
  version: z.number().int().positive(),
  spec: z.unknown(),
  updatedAt: z.string(),
});
const StoredRegistrySchema = z.object({
  project: z.string(),
  version: z.number().int().nonnegative(),
  appliedAt: z.string(),
  objects: z.array(StoredObjectSchema),
});
// A field added or removed has no before or after: JSON leaves the undefined side out of the file.
const FieldChangeSchema = z.object({ path: z.string(), before: z.unknown().optional(), after: z.unknown().optional() });
const HistoryEntrySchema = z.object({
  version: z.number().int().positive(),
  appliedAt: z.string(),
  changes: z.array(
    z.object({ kind: z.enum(OBJECT_KINDS), name: z.string(), action: z.enum(['add', 'change', 'remove']), fields: z.array(FieldChangeSchema) }),
  ),
  registry: StoredRegistrySchema,
});

const HISTORY_FILE_RE = /^(\d{6,})\.json$/;

/** Beside the offline data; for an offline store on object storage, in the repo's own `.featureflow/registry`. */
export function registryDir(repoDir: string, repo: RepoLocation): string {
  if (isRemotePath(repo.offlineStore.path)) return path.join(repoDir, '.featureflow', 'registry');
  return path.join(resolveRepoPath(repoDir, repo.offlineStore.path), 'registry');
}

export function historyFileName(version: number): string {
  return `${String(version).padStart(6, '0')}.json`;
}

/** The registry last applied, or undefined when the repo was never applied. */
export async function readStoredRegistry(repoDir: string, repo: RepoLocation): Promise<StoredRegistry | undefined> {
  const file = path.join(registryDir(repoDir, repo), 'registry.json');
  const data = await readJson(file);
  if (data === undefined) return undefined;
  return parseStored(file, StoredRegistrySchema, data) as StoredRegistry;
}

/**
 * Stores the repo as the new registry version. Nothing is written when nothing changed, so applying twice is
 * harmless. The history file is written before registry.json: a crash in between leaves the old registry in
 * place and the next apply rewrites the same history file.
 */
export async function applyRepo(repoDir: string, repo: Repo, now: Date = new Date()): Promise<ApplyResult> {
  const stored = await readStoredRegistry(repoDir, repo);
  const changes = planChanges(stored, repo);
  if (changes.length === 0) return { version: stored?.version ?? 0, changes };

  const appliedAt = now.toISOString();
  const previous = new Map((stored?.objects ?? []).map((o) => [objectKey(o), o]));
  const changed = new Set(changes.map(objectKey));
  const objects: StoredObject[] = repoObjects(repo).map((object) => {
    const before = previous.get(objectKey(object));
    if (before && !changed.has(objectKey(object))) return before;
    return { ...object, version: before ? before.version + 1 : 1, updatedAt: appliedAt };
  });
  const version = (stored?.version ?? 0) + 1;
  const registry: StoredRegistry = { project: repo.project, version, appliedAt, objects };
  const entry: HistoryEntry = { version, appliedAt, changes, registry };

  const dir = registryDir(repoDir, repo);
  await mkdir(path.join(dir, 'history'), { recursive: true });
  await writeJsonAtomic(path.join(dir, 'history', historyFileName(version)), entry);
  await writeJsonAtomic(path.join(dir, 'registry.json'), registry);
  return { version, changes };
}

/** Every apply, oldest first; only versions up to the stored registry's (a crashed apply's file is left out). */
export async function listHistory(repoDir: string, repo: RepoLocation): Promise<HistoryEntry[]> {
  const dir = path.join(registryDir(repoDir, repo), 'history');
  const stored = await readStoredRegistry(repoDir, repo);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const files = names
    .map((name) => ({ name, version: Number(HISTORY_FILE_RE.exec(name)?.[1] ?? NaN) }))
    .filter((f) => Number.isInteger(f.version) && f.version <= (stored?.version ?? 0))
    .sort((a, b) => a.version - b.version);
  const entries: HistoryEntry[] = [];
  for (const f of files) {
    const file = path.join(dir, f.name);
    entries.push(parseStored(file, HistoryEntrySchema, await readJson(file)) as HistoryEntry);
  }
  return entries;
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new FeatureflowError('REGISTRY_CORRUPT', `stored registry file ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

function parseStored(file: string, schema: z.ZodType, data: unknown): unknown {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const first = result.error.issues[0];
  const where = first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'unexpected shape';
  throw new FeatureflowError('REGISTRY_CORRUPT', `stored registry file ${file} is damaged (${where})`);
}

/** Write to a temporary file in the same folder, flush it, then rename over the target: readers see old or new. */
async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
