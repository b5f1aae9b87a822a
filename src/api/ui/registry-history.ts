/**
 * GET /registry/history: the stored registry's versions (one per `featureflow apply`), newest first, with what each
 * apply changed, plus a hash of the repo this server serves and whether it matches the stored registry. The catalog
 * shows it; the history files themselves hold a whole registry each, which a page does not need.
 */
import { createHash } from 'node:crypto';
import { repoObjects, planChanges, type Change } from '../../registry/plan.js';
import { listHistory, readStoredRegistry } from '../../registry/store.js';
import type { Repo } from '../../registry/schema.js';
import { jsonReply, type Handler } from '../context.js';

/** More versions than a page shows at once; the CLI (`featureflow registry history`) lists them all. */
const MAX_VERSIONS = 100;

interface ChangeSummary {
  kind: Change['kind'];
  name: string;
  action: Change['action'];
  /** Paths of the fields that changed (values left out: a spec can be long). */
  fields: string[];
}

const servedHashes = new WeakMap<Repo, string>();

/** A short content hash of the served definitions (as they would be stored), to tell two deployments apart. */
export function servedHash(repo: Repo): string {
  let hash = servedHashes.get(repo);
  if (hash === undefined) {
    hash = createHash('sha256').update(JSON.stringify(repoObjects(repo))).digest('hex').slice(0, 12);
    servedHashes.set(repo, hash);
  }
  return hash;
}

export const registryHistory: Handler = async (_req, ctx) => {
  const base = { project: ctx.repo.project, servedHash: servedHash(ctx.repo) };
  // Without its folder the server cannot find the stored registry (tests, embedded servers).
  if (ctx.repoDir === undefined) return jsonReply(200, JSON.stringify({ ...base, stored: null, versions: [] }));
  const stored = await readStoredRegistry(ctx.repoDir, ctx.repo);
  if (!stored) return jsonReply(200, JSON.stringify({ ...base, stored: null, versions: [] }));
  const history = await listHistory(ctx.repoDir, ctx.repo);
  const versions = history
    .slice(-MAX_VERSIONS)
    .reverse()
    .map((entry) => ({ version: entry.version, appliedAt: entry.appliedAt, changes: entry.changes.map(summarize) }));
  const pending = planChanges(stored, ctx.repo).map(summarize);
  return jsonReply(
    200,
    JSON.stringify({
      ...base,
      stored: { version: stored.version, appliedAt: stored.appliedAt, objects: stored.objects.length },
      // What `featureflow apply` would store now: empty when the served repo is the stored one.
      pendingChanges: pending,
      versions,
      totalVersions: history.length,
    }),
  );
};

function summarize(change: Change): ChangeSummary {
  return { kind: change.kind, name: change.name, action: change.action, fields: change.fields.map((f) => f.path) };
}
