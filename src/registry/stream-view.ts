/**
 * A view that stream ingestion can run for: one reading a stream source. Checked by `featureflow stream start`
 * before anything starts and by the `ingestStream` activity on the worker's own repo, with the same words.
 */
import { FeatureflowError } from './errors.js';
import { findView } from './features.js';
import type { FeatureView, Repo, StreamSource } from './schema.js';

export interface StreamView {
  view: FeatureView;
  source: StreamSource;
}

/** Throws NOT_FOUND for an unknown view, INVALID_REQUEST for a view on another kind of source (both non-retryable). */
export function findStreamView(repo: Repo, name: string): StreamView {
  const view = findView(repo, name);
  const source = repo.sources.find((s) => s.name === view.source);
  if (source?.type !== 'stream') {
    const streams = repo.featureViews
      .filter((v) => repo.sources.some((s) => s.name === v.source && s.type === 'stream'))
      .map((v) => v.name);
    throw new FeatureflowError(
      'INVALID_REQUEST',
      `feature view "${name}" reads ${source ? `${source.type} source "${source.name}"` : `source "${view.source}"`}, not a stream ` +
        `source; views on a stream source: ${streams.join(', ') || '(none)'}`,
    );
  }
  return { view, source };
}

/** The stream source a view reads, or undefined for a view on any other kind of source. */
export function streamSourceOf(repo: Repo, view: FeatureView): StreamSource | undefined {
  const source = repo.sources.find((s) => s.name === view.source);
  return source?.type === 'stream' ? source : undefined;
}
