/**
 * `trainingSet({ entities, features | featureService, out, fullFeatureNames?, filterCreated? })`: a point-in-time
 * correct training set written to Parquet or CSV on the worker's machine, in one activity. Startable from the
 * Temporal UI with plain JSON; it returns counts and the output path only, never rows (payloads are capped at a
 * few MB, a training set is not). The workflow id is derived from `out` (see the contract), so two runs writing the
 * same file never overlap.
 */
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { chunkActivityOptions } from './activity-options.js';
import type { TrainingSetInput, TrainingSetResult } from './contracts/training-set.js';
import { INVALID_WORKFLOW_INPUT, invalid, objectInput, unknownFields } from './input.js';

/**
 * Short on purpose: the SDK sends heartbeats at most every 0.8 x this, and the CLI's progress bar reads the last one
 * the server got. DuckDB works off the event loop, so the activity's beat timer keeps running however busy it is.
 */
const HEARTBEAT_TIMEOUT_MS = 10_000;

export async function trainingSet(input: TrainingSetInput): Promise<TrainingSetResult> {
  const request = resolveTrainingSetInput(input);
  setCurrentDetails(requestMarkdown(request));
  const { buildTrainingSet } = proxyActivities<ReturnType<typeof createActivities>>(chunkActivityOptions(HEARTBEAT_TIMEOUT_MS));
  const result = await buildTrainingSet(request);
  setCurrentDetails(
    `**Wrote training set** \`${result.out}\`\n\n${thousands(result.rows)} rows x ${result.columns} columns ` +
      `(${result.features} feature${result.features === 1 ? '' : 's'}) in ${result.seconds}s`,
  );
  return result;
}

const FIELDS = ['entities', 'features', 'featureService', 'out', 'fullFeatureNames', 'filterCreated'] as const;
const EXAMPLE = '{"entities":"labels.parquet","features":["user_stats:clicks"],"out":"training.parquet"}';
const SERVICE_PREFIX = 'service:';
const REF_HELP = 'write "view:feature", "view:*" or "service:NAME"';

/**
 * Every field checked, every problem reported at once (a workflow task error would retry forever, so this throws
 * one non-retryable failure). Returns the input in canonical form: only the fields given, `featureService` without
 * a `service:` prefix. Whether the views, features and files exist is the activity's business: only the worker
 * knows its repo.
 */
export function resolveTrainingSetInput(input: unknown): TrainingSetInput {
  const raw = objectInput(input, 'trainingSet', EXAMPLE, INVALID_WORKFLOW_INPUT);
  const problems: string[] = [];
  unknownFields(raw, FIELDS, problems);
  const entities = checkEntities(raw.entities, problems);
  const features = checkFeatures(raw.features, problems);
  const featureService = checkService(raw.featureService, problems);
  if (raw.features !== undefined && raw.featureService !== undefined) {
    problems.push('featureService: give features or featureService, not both');
  } else if (raw.features === undefined && raw.featureService === undefined) {
    problems.push(`features: missing; give feature references like ["user_stats:clicks"] (or featureService: "NAME")`);
  }
  const out = checkOut(raw.out, problems);
  const fullFeatureNames = optionalBoolean(raw.fullFeatureNames, 'fullFeatureNames', problems);
  const filterCreated = optionalBoolean(raw.filterCreated, 'filterCreated', problems);
  if (problems.length > 0) throw invalid('trainingSet', problems, INVALID_WORKFLOW_INPUT);
  return {
    entities: entities as TrainingSetInput['entities'],
    ...(features ? { features } : {}),
    ...(featureService ? { featureService } : {}),
    out: out as string,
    ...(fullFeatureNames !== undefined ? { fullFeatureNames } : {}),
    ...(filterCreated !== undefined ? { filterCreated } : {}),
  };
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function checkEntities(value: unknown, problems: string[]): TrainingSetInput['entities'] | undefined {
  if (isText(value)) return value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const table = (value as Record<string, unknown>).table;
    const extra = Object.keys(value).filter((k) => k !== 'table');
    if (extra.length > 0) problems.push(`entities.${extra[0]}: unknown field; a table is given as {"table":"NAME"}`);
    if (!isText(table)) problems.push(`entities.table: must be the name of a DuckDB table, got ${JSON.stringify(table)}`);
    return extra.length === 0 && isText(table) ? { table } : undefined;
  }
  problems.push(`entities: must be a .parquet or .csv file path or {"table":"NAME"}, got ${JSON.stringify(value)}`);
  return undefined;
}

function checkFeatures(value: unknown, problems: string[]): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) {
    problems.push(`features: must be a non-empty list of feature references like ["user_stats:clicks"], got ${JSON.stringify(value)}`);
    return undefined;
  }
  const bad = value.flatMap((ref, i) => (isFeatureRef(ref) ? [] : [`features[${i}]: ${JSON.stringify(ref)} is not a feature reference; ${REF_HELP}`]));
  problems.push(...bad);
  return bad.length === 0 ? (value as string[]) : undefined;
}

/** The shape resolveFeatureRefs accepts: exactly one colon with a name on each side. */
function isFeatureRef(ref: unknown): ref is string {
  if (typeof ref !== 'string') return false;
  const parts = ref.split(':');
  return parts.length === 2 && parts.every((p) => p.trim() !== '');
}

function checkService(value: unknown, problems: string[]): string | undefined {
  if (value === undefined) return undefined;
  const name = isText(value) && value.startsWith(SERVICE_PREFIX) ? value.slice(SERVICE_PREFIX.length) : value;
  if (!isText(name) || name.includes(':')) {
    problems.push(`featureService: must be the name of a feature service like "fraud_v1", got ${JSON.stringify(value)}`);
    return undefined;
  }
  return name;
}

function checkOut(value: unknown, problems: string[]): string | undefined {
  if (!isText(value)) {
    problems.push(`out: must be the path of the file to write, like "training.parquet", got ${JSON.stringify(value)}`);
    return undefined;
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value)) {
    problems.push(`out: ${JSON.stringify(value)} is a URL; the training set is written to a file on the worker's machine`);
    return undefined;
  }
  if (!/\.(parquet|csv)$/i.test(value)) {
    problems.push(`out: ${JSON.stringify(value)} must end in .parquet or .csv (that is how the format is chosen)`);
    return undefined;
  }
  return value;
}

function optionalBoolean(value: unknown, field: string, problems: string[]): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') problems.push(`${field}: must be true or false, got ${JSON.stringify(value)}`);
  return typeof value === 'boolean' ? value : undefined;
}

function requestMarkdown(request: TrainingSetInput): string {
  const entities = typeof request.entities === 'string' ? `\`${request.entities}\`` : `table \`${request.entities.table}\``;
  const features = request.featureService
    ? `feature service \`${request.featureService}\``
    : (request.features ?? []).map((f) => `\`${f}\``).join(', ');
  const flags = [request.fullFeatureNames ? 'full feature names' : '', request.filterCreated ? 'created time filtered' : ''].filter(Boolean);
  return [
    `**Building training set** \`${request.out}\``,
    '',
    `- entities: ${entities}`,
    `- features: ${features}`,
    ...(flags.length > 0 ? [`- ${flags.join(', ')}`] : []),
  ].join('\n');
}

/** 1234567 -> 1,234,567 without Intl (its locale data is not something workflow output should depend on). */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
