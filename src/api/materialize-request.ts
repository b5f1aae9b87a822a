/**
 * The bodies of `POST /materialize` and `POST /materialize-incremental`: Feast 0.67's MaterializeRequest and
 * MaterializeIncrementalRequest (feast/feature_server.py). Every field Feast defines is accepted; unknown fields are
 * ignored as pydantic ignores them, misspelt ones refused (feast-fields.ts). Views are resolved against the
 * registry here, so an unknown view is a 404 before anything starts.
 */
import { z } from 'zod';
import { FeatureflowError, formatPath, NotFoundError } from '../registry/errors.js';
import { FUTURE_SKEW_MS, INSTANT_HINT, parseInstantMs } from '../registry/instant.js';
import type { Repo } from '../registry/schema.js';
import { streamSourceOf, StreamViewNotMaterializedError } from '../registry/stream-view.js';
import { BadRequestError, ViewNotOnlineError } from './errors.js';
import { refuseMisspeltFields } from './feast-fields.js';

const Timestamp = z.string({ error: `must be ${INSTANT_HINT}` }).refine((text) => parseInstantMs(text) !== undefined, {
  error: (issue) => `${JSON.stringify(issue.input)} is not ${INSTANT_HINT}`,
});
const ViewNames = z.array(z.string({ error: 'must be a feature view name' }), { error: 'must be a list of feature view names' });
// Feast materializes one version of a view when given one; Featureflow views have no versions.
const Version = z.null({ error: 'feature view versions are not supported: leave version out (or null)' }).optional();

const common = {
  feature_views: ViewNames.nullable().optional(),
  // Feast uses it to name the columns of on-demand views transformed on write; materialization writes no such
  // columns here, so it changes nothing.
  full_feature_names: z.boolean({ error: 'must be true or false' }).default(false),
  version: Version,
};

const MaterializeBody = z.object(
  {
    start_ts: Timestamp.nullable().optional(),
    end_ts: Timestamp.nullable().optional(),
    disable_event_timestamp: z.boolean({ error: 'must be true or false' }).default(false),
    ...common,
  },
  { error: 'the body must be a JSON object' },
);

const MaterializeIncrementalBody = z.object({ end_ts: Timestamp, ...common }, { error: 'the body must be a JSON object' });

export interface MaterializeRequest {
  views: string[];
  start: string;
  end: string;
}

export interface MaterializeIncrementalRequest {
  views: string[];
  end: string;
}

/** `nowMs` is where `disable_event_timestamp` ends (Feast: from 1970 up to now). */
export function parseMaterializeRequest(body: unknown, repo: Repo, nowMs: number): MaterializeRequest {
  refuseMisspeltFields(body, Object.keys(MaterializeBody.shape));
  const parsed = checked(MaterializeBody.safeParse(body));
  let startMs: number;
  let endMs: number;
  if (parsed.disable_event_timestamp) {
    startMs = 0;
    endMs = nowMs;
  } else {
    if (parsed.start_ts == null || parsed.end_ts == null) {
      throw new BadRequestError('invalid request: start_ts and end_ts are required unless disable_event_timestamp is true');
    }
    startMs = parseInstantMs(parsed.start_ts) as number;
    endMs = parseInstantMs(parsed.end_ts) as number;
    if (startMs >= endMs) throw new BadRequestError(`invalid request: start_ts (${parsed.start_ts}) must be before end_ts (${parsed.end_ts})`);
  }
  return { views: resolveViews(parsed.feature_views, repo), start: iso(startMs), end: iso(endMs) };
}

/** `nowMs`: an END past it (beyond clock skew) would freeze the views' watermarks until then, so it is refused. */
export function parseMaterializeIncrementalRequest(body: unknown, repo: Repo, nowMs: number = Date.now()): MaterializeIncrementalRequest {
  refuseMisspeltFields(body, Object.keys(MaterializeIncrementalBody.shape));
  const parsed = checked(MaterializeIncrementalBody.safeParse(body));
  const endMs = parseInstantMs(parsed.end_ts) as number;
  if (endMs > nowMs + FUTURE_SKEW_MS) {
    throw new FeatureflowError(
      'END_IN_FUTURE',
      `invalid request: end_ts (${parsed.end_ts}) is later than now (${iso(nowMs)}): an incremental run records it as where the next ` +
        'one starts, so a future end_ts would freeze the views until then; send an end_ts up to now',
    );
  }
  return { views: resolveViews(parsed.feature_views, repo), end: iso(endMs) };
}

/**
 * Absent or null: every online view (Feast's behaviour) but views on a stream source (served from their tiles). Named
 * views must exist, be served online and not read a stream source.
 */
function resolveViews(names: readonly string[] | null | undefined, repo: Repo): string[] {
  if (names == null) return repo.featureViews.filter((v) => v.online && !streamSourceOf(repo, v)).map((v) => v.name);
  if (names.length === 0) throw new BadRequestError('invalid request: feature_views: list at least one view, or leave it out for every online view');
  for (const name of names) {
    const view = repo.featureViews.find((v) => v.name === name);
    if (!view) {
      throw new NotFoundError(`feature view ${JSON.stringify(name)} is not in project ${repo.project}; views: ${repo.featureViews.map((v) => v.name).join(', ')}`);
    }
    if (!view.online) throw new ViewNotOnlineError(name);
    const stream = streamSourceOf(repo, view);
    if (stream) throw new StreamViewNotMaterializedError(name, stream.name);
  }
  return [...new Set(names)];
}

function checked<T>(result: z.ZodSafeParseResult<T>): T {
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((issue) => `${formatPath(issue.path) || '(body)'}: ${issue.message}`);
  throw new BadRequestError(`invalid request: ${problems.join('; ')}`);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
