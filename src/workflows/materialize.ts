/**
 * `materialize({ views, start, end })`: the rows of each view with start <= event time < end into the online store
 * (SPEC section 3), newer-wins, so re-running a range or running overlapping ranges is harmless. What
 * `featureflow materialize` does in-process, as a durable workflow: `POST /materialize` starts it, and it can be
 * started from the Temporal UI's form with plain JSON.
 */
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { chunkActivityOptions } from './activity-options.js';
import type { MaterializeInput, MaterializeResult } from './contracts/materialize.js';
import type { ViewMaterializationSummary } from './contracts/materialize-incremental.js';
import { INVALID_WORKFLOW_INPUT, invalid, objectInput, optionalInstant, unknownFields, viewList } from './input.js';

const HEARTBEAT_TIMEOUT_MS = 30_000;

export async function materialize(input: MaterializeInput): Promise<MaterializeResult> {
  const { views, startMs, endMs } = resolveMaterializeInput(input);
  const start = new Date(startMs).toISOString();
  const end = new Date(endMs).toISOString();
  setCurrentDetails(`**Materializing ${views ? views.join(', ') : 'every online view'}** [${start}, ${end})`);
  const { materializeRange } = proxyActivities<ReturnType<typeof createActivities>>(chunkActivityOptions(HEARTBEAT_TIMEOUT_MS));
  const result = await materializeRange({ ...(views ? { views } : {}), start, end });
  setCurrentDetails(summaryMarkdown(start, end, result.views));
  return { start, end, views: result.views };
}

/** Both ends are required: a range run never reads the clock, so retries and replays cover the same rows. */
export function resolveMaterializeInput(input: unknown): { views: string[] | undefined; startMs: number; endMs: number } {
  const example = '{"views":["user_stats"],"start":"2024-01-01","end":"2024-01-02"}';
  const raw = objectInput(input, 'materialize', example, INVALID_WORKFLOW_INPUT);
  const problems: string[] = [];
  unknownFields(raw, ['views', 'start', 'end'], problems);
  const views = viewList(raw.views, 'views', problems);
  const startMs = optionalInstant(raw.start, 'start', problems);
  const endMs = optionalInstant(raw.end, 'end', problems);
  if (raw.start === undefined) problems.push('start: required (ISO-8601, inclusive)');
  if (raw.end === undefined) problems.push('end: required (ISO-8601, exclusive)');
  if (startMs !== undefined && endMs !== undefined && startMs >= endMs) {
    problems.push(`start (${String(raw.start)}) must be before end (${String(raw.end)})`);
  }
  if (problems.length > 0 || startMs === undefined || endMs === undefined) throw invalid('materialize', problems, INVALID_WORKFLOW_INPUT);
  return { views, startMs, endMs };
}

function summaryMarkdown(start: string, end: string, views: readonly ViewMaterializationSummary[]): string {
  const lines = views.map(
    (v) => `- \`${v.view}\`: read ${v.rowsRead}, wrote ${v.keysWritten}, skipped ${v.keysSkippedOlder} older and ${v.keysSkippedExpired} expired`,
  );
  return [`**Materialized [${start}, ${end})**`, '', ...lines].join('\n');
}
