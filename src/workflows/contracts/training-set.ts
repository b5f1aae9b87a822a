/** The `trainingSet` workflow's contract, and the `buildTrainingSet` activity it runs. */

export interface TrainingSetInput {
  /** The entity rows: a CSV or Parquet file (relative paths from the worker's repo folder), or `{ table }`. */
  entities: string | { table: string };
  /** Feature references (`view:feature`, `view:*`); give these or `featureService`. */
  features?: string[];
  featureService?: string;
  /** Output file, `.parquet` or `.csv` (relative paths from the worker's repo folder). */
  out: string;
  fullFeatureNames?: boolean;
  /** Also require created time <= the entity row's time (values backfilled later never leak in). */
  filterCreated?: boolean;
}

/** Counts and the output path only: the rows stay in the file. */
export interface TrainingSetResult {
  out: string;
  rows: number;
  columns: number;
  features: number;
  seconds: number;
}
