/**
 * `materializeIncremental({ views, end })`: each view from its watermark up to `end` (SPEC sections 3 and 5). Meant
 * to run on a Temporal Schedule per view (`featureflow schedules apply`): `end` then defaults to the run's nominal
 * time, so a Schedule backfill from the UI materializes each past window as of its own time, and a run that starts
 * late still stops exactly at the window it was scheduled for. One activity does the work; it never reads the
 * clock for `end`, so retries and replays cover the same window.
 */
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { chunkActivityOptions } from './activity-options.js';
import type { MaterializeIncrementalInput, MaterializeIncrementalResult, ViewMaterializationSummary } from './contracts/materialize-incremental.js';
import { INVALID_WORKFLOW_INPUT, invalid, objectInput, optionalInstant, unknownFields, viewList } from './input.js';
import { nominalTime } from './nominal-time.js';

const HEARTBEAT_TIMEOUT_MS = 30_000;

export async function materializeIncremental(input: MaterializeIncrementalInput = {}): Promise<MaterializeIncrementalResult> {
  const { views, endMs } = resolveMaterializeIncrementalInput(input);
  const end = nominalTime(endMs);
  const endIso = new Date(end.ms).toISOString();
  const what = views ? views.join(', ') : 'every online view';
  setCurrentDetails(`**Materializing ${what}** up to ${endIso} (${END_LABELS[end.source]})`);
  const { materializeRange } = proxyActivities<ReturnType<typeof createActivities>>(chunkActivityOptions(HEARTBEAT_TIMEOUT_MS));
  const result = await materializeRange({ ...(views ? { views } : {}), end: endIso });
  setCurrentDetails(summaryMarkdown(endIso, result.views));
  return { end: endIso, endSource: end.source, views: result.views };
}

const END_LABELS = { input: 'given as input', schedule: "the Schedule's nominal time", cron: "the run's cron time", start: "the run's start time" } as const;

/** `{}` (or no input at all, as the UI's form may send) means every online view up to the nominal time. */
export function resolveMaterializeIncrementalInput(input: unknown): { views: string[] | undefined; endMs: number | undefined } {
  const raw = objectInput(input ?? {}, 'materializeIncremental', '{"views":["user_stats"]}', INVALID_WORKFLOW_INPUT);
  const problems: string[] = [];
  unknownFields(raw, ['views', 'end'], problems);
  const views = viewList(raw.views, 'views', problems);
  const endMs = optionalInstant(raw.end, 'end', problems);
  if (problems.length > 0) throw invalid('materializeIncremental', problems, INVALID_WORKFLOW_INPUT);
  return { views, endMs };
}

function summaryMarkdown(end: string, views: readonly ViewMaterializationSummary[]): string {
  const lines = views.map((v) =>
    v.upToDate
      ? `- \`${v.view}\`: already up to date (watermark ${v.watermark ?? 'none'})`
      : `- \`${v.view}\`: [${v.start ?? 'first row'}, ${v.end}) read ${v.rowsRead}, wrote ${v.keysWritten}, ` +
        `skipped ${v.keysSkippedOlder} older and ${v.keysSkippedExpired} expired; watermark ${v.watermark ?? 'none'}`,
  );
  return [`**Materialized up to ${end}**`, '', ...lines].join('\n');
}
