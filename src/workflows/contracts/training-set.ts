/** The `trainingSet` workflow's contract, and the `buildTrainingSet` activity it runs. */

export interface TrainingSetInput {
  /** The entity rows: a CSV or Parquet file (relative paths from the worker's repo folder), or `{ table }`. */
  entities: string | { table: string };
  /** Feature references (`view:feature`, `view:*`, `service:NAME`); give these or `featureService`. */
  features?: string[];
  /** A feature service's name (`fraud_v1`, the same as the reference `service:fraud_v1`). */
  featureService?: string;
  /** Output file, `.parquet` or `.csv` (relative paths from the worker's repo folder). */
  out: string;
  fullFeatureNames?: boolean;
  /** Also require created time <= the entity row's time (values backfilled later never leak in). */
  filterCreated?: boolean;
}

/** Counts and the output path only: the rows stay in the file. */
export interface TrainingSetResult {
  /** Absolute path of the file written, on the worker's machine. */
  out: string;
  rows: number;
  columns: number;
  features: number;
  seconds: number;
}

/**
 * `training-set:<out>`, with `.` and `..` segments and repeated slashes folded away: two runs writing the same file
 * get the same id, so one cannot start while the other runs (id conflict policy FAIL). A relative `out` stays
 * relative (the worker resolves it against its repo folder, which the client does not know).
 */
export function trainingSetWorkflowId(input: { out: string }): string {
  return `training-set:${normalizeOutPath(input.out)}`;
}

/** POSIX path normalisation without node:path, which the workflow sandbox lacks. */
export function normalizeOutPath(out: string): string {
  const absolute = out.startsWith('/');
  const parts: string[] = [];
  for (const part of out.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else if (part !== '..' || !absolute) parts.push(part);
  }
  return (absolute ? '/' : '') + parts.join('/');
}
