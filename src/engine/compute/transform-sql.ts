/**
 * SQL for a transform view: the transform's rows whose event time lies in [start, end), shaped like every computed
 * view's rows (join keys, `event_timestamp`, then the schema's fields cast to their declared dtypes).
 */
import type { FeatureView } from '../../registry/schema.js';
import { ident } from '../sql.js';
import { duckdbType } from '../types.js';
import { OUTPUT } from './aggregation-sql.js';
import { instantSql } from './time-sql.js';
import type { ComputeInput } from './checks.js';
import type { MicrosRange } from './range.js';

export function transformSql(view: FeatureView, input: ComputeInput, range: MicrosRange): string {
  const ts = `CAST(${ident(input.timestampField)} AS TIMESTAMPTZ)`;
  const keys = input.joinKeys.map(ident);
  const fields = (view.schema ?? []).map((f) => `CAST(${ident(f.name)} AS ${duckdbType(f.dtype)}) AS ${ident(f.name)}`);
  return `CREATE OR REPLACE TEMP TABLE ${OUTPUT} AS
    SELECT ${[...keys, `${ts} AS event_timestamp`, ...fields].join(', ')}
    FROM ${input.relation} __ff_t
    WHERE ${ts} >= ${instantSql(range.start)} AND ${ts} < ${instantSql(range.end)}`;
}
