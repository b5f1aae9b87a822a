/** The `materialize` workflow's contract: one range of one or more views into the online store. */
import type { ViewMaterializationSummary } from './materialize-incremental.js';

export interface MaterializeInput {
  /** Online views to materialize; default every online view of the worker's repo. */
  views?: string[];
  /** Inclusive start, ISO-8601. */
  start: string;
  /** Exclusive end, ISO-8601 (Feast's end is inclusive; ours is half-open so adjacent ranges never overlap). */
  end: string;
}

export interface MaterializeResult {
  start: string;
  end: string;
  views: ViewMaterializationSummary[];
}

/**
 * One id per (project, range, views): the same request sent twice while the first still runs finds that run
 * instead of writing the same keys twice at once.
 */
export function materializeWorkflowId(project: string, input: { views?: readonly string[] | undefined; start: string; end: string }): string {
  return `featureflow:${project}:materialize:${input.start}..${input.end}:${viewsPart(input.views)}`;
}

/** Same for an incremental run started by hand or over HTTP (Schedules use their own ids). */
export function materializeIncrementalWorkflowId(project: string, input: { views?: readonly string[] | undefined; end: string }): string {
  return `featureflow:${project}:materialize-incremental:${input.end}:${viewsPart(input.views)}`;
}

function viewsPart(views: readonly string[] | undefined): string {
  return views && views.length > 0 ? [...new Set(views)].sort().join(',') : '*';
}
