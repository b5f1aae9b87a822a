/**
 * The zod schema of a feature repo (SPEC section 1). It checks the shape of each object; references between
 * objects (unknown entity, duplicate names, ...) are checked in `validate.ts`, which runs even when the shape is
 * partly wrong so a user sees every problem at once.
 */
import { z } from 'zod';
import { DTYPES, type Dtype } from './dtypes.js';
import { cronProblem } from './cron.js';

import { Duration, Name } from './primitives.js';
import { DriftConfigSchema, ValidationRuleSchema } from './quality-schema.js';
import { StreamSourceSchema } from './stream-schema.js';

export { Duration, Name } from './primitives.js';

export const DtypeSchema = z.enum(DTYPES as unknown as [Dtype, ...Dtype[]], {
  error: (issue) => `${JSON.stringify(issue.input)} is not a dtype: use one of ${DTYPES.join(', ')}`,
});

const Tags = z.record(z.string(), z.string());

export const EntitySchema = z.strictObject({
  name: Name,
  joinKeys: z.array(Name).min(1, 'an entity needs at least one join key'),
  valueType: DtypeSchema.optional(),
  description: z.string().optional(),
  tags: Tags.optional(),
});

const sourceCommon = {
  name: Name,
  timestampField: z.string().min(1).default('event_timestamp'),
  createdTimestampField: z.string().min(1).optional(),
  description: z.string().optional(),
  tags: Tags.optional(),
};

export const FileSourceSchema = z.strictObject({
  ...sourceCommon,
  type: z.literal('file'),
  /** Parquet or CSV file or glob, relative to the repo's folder, or an `s3://` URL. */
  path: z.string().min(1),
  format: z.enum(['parquet', 'csv']).optional(),
});

export const TableSourceSchema = z.strictObject({
  ...sourceCommon,
  type: z.literal('table'),
  /** A table in the offline DuckDB database (`schema.table` allowed). */
  table: z.string().min(1),
});

export const SqlSourceSchema = z.strictObject({
  ...sourceCommon,
  type: z.literal('sql'),
  /** A DuckDB query; `{other_source}` stands for another source of the repo. */
  query: z.string().min(1),
});

/**
 * Rows pushed over the API (`POST /push`), like Feast's PushSource. Its views read the batch source's rows plus every
 * row pushed with `to: offline`; the batch source's timestamp columns are read under this source's names, so both
 * halves line up. The columns pushed rows carry are those of the views reading this source.
 */
export const PushSourceSchema = z.strictObject({
  ...sourceCommon,
  type: z.literal('push'),
  /** A file, table or sql source holding the rows from before pushing started (never another push source). */
  batchSource: Name,
});

export const SourceSchema = z.discriminatedUnion('type', [
  FileSourceSchema,
  TableSourceSchema,
  SqlSourceSchema,
  PushSourceSchema,
  StreamSourceSchema,
]);

export const FieldSchema = z.strictObject({
  name: Name,
  dtype: DtypeSchema,
  description: z.string().optional(),
  tags: Tags.optional(),
});

export const AGGREGATION_FUNCTIONS = ['count', 'sum', 'avg', 'min', 'max', 'stddev', 'count_distinct', 'last'] as const;

export const AggregationFeatureSchema = z.strictObject({
  name: Name,
  function: z.enum(AGGREGATION_FUNCTIONS),
  /** Column (or DuckDB expression) aggregated; `count` without one counts events. */
  column: z.string().min(1).optional(),
  /** DuckDB boolean expression; only events that satisfy it count, e.g. `event_type = 'PURCHASE'`. */
  filter: z.string().min(1).optional(),
});

export const AggregationSchema = z.strictObject({
  cadence: Duration,
  windows: z.array(Duration).min(1, 'an aggregation needs at least one window'),
  features: z.array(AggregationFeatureSchema).min(1, 'an aggregation needs at least one feature'),
  /** Stream views: the time tile events are folded into; derived from the windows when absent (stream-tiles.ts). */
  tile: Duration.optional(),
});

export const TransformSchema = z.strictObject({
  /** A DuckDB query; `{source}` stands for the view's source. */
  sql: z.string().min(1),
});

/** Temporal's overlap policies, spelt as Temporal (and its UI) spells them. */
export const OVERLAP_POLICIES = ['SKIP', 'BUFFER_ONE', 'BUFFER_ALL', 'CANCEL_OTHER', 'TERMINATE_OTHER', 'ALLOW_ALL'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

export const Cron = z.string().superRefine((value, ctx) => {
  const problem = cronProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** When and how a view's incremental materialization runs as a Temporal Schedule (`featureflow schedules apply`). */
export const ScheduleSchema = z.strictObject({
  /** Cron in `timezone` (default UTC), e.g. `0 * * * *`; each run materializes up to its own scheduled time. */
  cron: Cron,
  /** IANA zone the cron is read in; default UTC. */
  timezone: z.string().min(1).optional(),
  /** What a run due while the previous one still runs does; default SKIP (the next run catches up anyway). */
  overlap: z.enum(OVERLAP_POLICIES).optional(),
  /** Runs missed while Temporal was down are still started if this late at most; default 1d. */
  catchupWindow: Duration.optional(),
  /** Pause the Schedule when a run fails (after its retries), so a broken view stops instead of failing hourly. */
  pauseOnFailure: z.boolean().optional(),
});

/** A view's freshness SLA, checked by the `checkFreshness` workflow on its own Schedule. */
export const FreshnessSchema = z.strictObject({
  /** Newest materialized event older than this (at check time) makes the view stale and raises an alert. */
  maxStaleness: Duration,
  /** How often the freshness Schedule checks the view; default 5m. */
  checkEvery: Duration.optional(),
});

export const FeatureViewSchema = z.strictObject({
  name: Name,
  entities: z.array(Name).min(1, 'a feature view needs at least one entity'),
  source: Name,
  /** Values older than this (from the entity row's time) are not joined; 0 or absent means no limit. */
  ttl: Duration.optional(),
  /** Required unless the view declares an aggregation (whose columns are derived). */
  schema: z.array(FieldSchema).optional(),
  online: z.boolean().default(true),
  owner: z.string().optional(),
  description: z.string().optional(),
  tags: Tags.optional(),
  freshness: FreshnessSchema.optional(),
  schedule: ScheduleSchema.optional(),
  transform: TransformSchema.optional(),
  aggregation: AggregationSchema.optional(),
  /** Checks on the rows about to be materialized or written as a computed partition (quality-schema.ts). */
  validation: z.array(ValidationRuleSchema).optional(),
  /** Drift reference and thresholds (quality-schema.ts). */
  drift: DriftConfigSchema.optional(),
});

export const FeatureServiceSchema = z.strictObject({
  name: Name,
  /** view name -> features of that view the service serves. */
  features: z.record(Name, z.array(Name).min(1, 'list at least one feature')),
  owner: z.string().optional(),
  description: z.string().optional(),
  tags: Tags.optional(),
});

// ---- On-demand feature views (Feast's OnDemandFeatureView) ----------------------------------------------------
/*
 * Features computed from other views' features and from request data, at request time when serving and over the
 * joined rows in a training set. The transform is a TypeScript function over columns or, in JSON repos, one
 * expression per output (see expression/).
 */
/** A value a transform reads or writes: integers and floats are JS numbers, exact up to 2^53. */
export type OdValue = number | string | boolean | null;

/** Columns of equal length, one element per entity row. */
export type OnDemandColumns = Readonly<Record<string, readonly OdValue[]>>;

/** A TypeScript transform: vectorised over the batch, one output column per schema field. */
export type OnDemandTransformFn = (columns: OnDemandColumns) => Record<string, readonly OdValue[]>;

/** JSON repos: output name -> expression. */
export type OnDemandExpressions = Record<string, string>;

export type OnDemandTransform = OnDemandTransformFn | OnDemandExpressions;

const isExpressions = (v: unknown): v is OnDemandExpressions =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((e) => typeof e === 'string');

export const OnDemandSourceSchema = z.union(
  [
    Name.transform((view): { view: string; features?: string[] | undefined } => ({ view })),
    z.strictObject({
      view: Name,
      /** Features of the view the transform reads; all of them when absent. */
      features: z.array(Name).min(1, 'list at least one feature, or leave features out to read them all').optional(),
    }),
  ],
  { error: 'must be a feature view name or { view, features? }' },
);

export const OnDemandFeatureViewSchema = z.strictObject({
  name: Name,
  /** Feature views whose features feed the transform (Feast's sources of kind FeatureView). */
  sources: z.array(OnDemandSourceSchema).default([]),
  /** Fields sent with each request (Feast's RequestSource): in `entities` when serving, entity columns in training. */
  request: z.array(FieldSchema).default([]),
  /** The outputs, in order. */
  schema: z.array(FieldSchema).min(1, 'an on-demand feature view needs at least one output'),
  transform: z.custom<OnDemandTransform>((v) => typeof v === 'function' || isExpressions(v), {
    error: 'must be a function (columns) => columns, or an object: output name -> expression',
  }),
  owner: z.string().optional(),
  description: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
});

export type OnDemandFeatureView = z.output<typeof OnDemandFeatureViewSchema>;
export type OnDemandSource = z.output<typeof OnDemandSourceSchema>;

export function isTransformFn(transform: OnDemandTransform): transform is OnDemandTransformFn {
  return typeof transform === 'function';
}
// ---- end of on-demand feature views -------------------------------------------------------------------------------

export const RepoSchema = z.strictObject({
  project: Name,
  description: z.string().optional(),
  offlineStore: z
    .strictObject({
      /** Folder for computed views and the stored registry, relative to the repo's folder. */
      path: z.string().min(1).default('.featureflow/offline'),
      /** Optional DuckDB database file holding `table` sources. */
      database: z.string().min(1).optional(),
      /**
       * Folders (or files) outside the repo's folder that file sources may read, relative to the repo's folder.
       * Anything else outside it is refused (data-paths.ts), and DuckDB itself can reach nothing more.
       */
      allowedPaths: z.array(z.string().min(1)).optional(),
      /**
       * Where an `s3://bucket/prefix` offline store lives (credentials come from the environment only:
       * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL and
       * AWS_REGION override what is here).
       */
      s3: z
        .strictObject({
          /** An S3-compatible server, e.g. `http://127.0.0.1:9000`; default AWS. */
          endpoint: z.string().url().optional(),
          region: z.string().min(1).optional(),
          /** `path` (bucket in the path, what most S3-compatible servers want) or `vhost`; default path with an endpoint. */
          urlStyle: z.enum(['path', 'vhost']).optional(),
        })
        .optional(),
    })
    .default({ path: '.featureflow/offline' }),
  onlineStore: z
    .strictObject({
      url: z.string().min(1).default('redis://127.0.0.1:6379/0'),
      keyPrefix: z.string().min(1).default('ff'),
    })
    .default({ url: 'redis://127.0.0.1:6379/0', keyPrefix: 'ff' }),
  /** Where freshness alerts go besides the worker's log. */
  alerts: z
    .strictObject({
      /** http(s) URL that receives a JSON POST on every breach and recovery (retried by Temporal). */
      webhook: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
    })
    .optional(),
  entities: z.array(EntitySchema).default([]),
  sources: z.array(SourceSchema).default([]),
  featureViews: z.array(FeatureViewSchema).default([]),
  featureServices: z.array(FeatureServiceSchema).default([]),
  onDemandFeatureViews: z.array(OnDemandFeatureViewSchema).default([]),
});

export type RepoInput = z.input<typeof RepoSchema>;
export type Repo = z.output<typeof RepoSchema>;
export type Entity = z.output<typeof EntitySchema>;
export type Source = z.output<typeof SourceSchema>;
export type FileSource = z.output<typeof FileSourceSchema>;
export type TableSource = z.output<typeof TableSourceSchema>;
export type SqlSource = z.output<typeof SqlSourceSchema>;
export type PushSource = z.output<typeof PushSourceSchema>;
export type { StreamSource } from './stream-schema.js';
export type FeatureView = z.output<typeof FeatureViewSchema>;
export type Field = z.output<typeof FieldSchema>;
export type Aggregation = z.output<typeof AggregationSchema>;
export type AggregationFeature = z.output<typeof AggregationFeatureSchema>;
export type FeatureService = z.output<typeof FeatureServiceSchema>;
export type Schedule = z.output<typeof ScheduleSchema>;
export type Freshness = z.output<typeof FreshnessSchema>;
