/**
 * A fingerprint of everything that decides a computed view's rows (its keys, source, transform or aggregation,
 * schema). Each row file carries the fingerprint it was computed with in its Parquet metadata, so rows left by an
 * older definition can be told apart from current ones (nothing rejects them: recompute the range to refresh them).
 */
import { createHash } from 'node:crypto';
import type { FeatureView, Repo } from '../../registry/schema.js';
import { viewJoinKeys } from '../view-rows.js';

export function definitionFingerprint(repo: Repo, view: FeatureView): string {
  const found = repo.sources.find((s) => s.name === view.source);
  // Descriptions and tags change no row.
  const source = found && { ...found, description: undefined, tags: undefined };
  const decisive = {
    joinKeys: viewJoinKeys(repo, view),
    source,
    transform: view.transform,
    aggregation: view.aggregation,
    schema: view.schema,
  };
  return createHash('sha256').update(JSON.stringify(decisive)).digest('hex').slice(0, 16);
}
