/**
 * On-demand features in training sets. The point-in-time joins also fetch the source features the on-demand views
 * read (as hidden columns); the joined rows go to one temp table, and then JSON expressions become DuckDB SQL over
 * it, while TypeScript transforms run in JS over batches of its rows (the same runner serving uses) and their
 * outputs are joined back by row number.
 */
import { BIGINT, BOOLEAN, DOUBLE, FLOAT, INTEGER, LIST, VARCHAR, listValue, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import type { Dtype } from '../registry/dtypes.js';
import type { CompiledOnDemand } from '../registry/on-demand.js';
import { onDemandRunner, toOdValue, type OdValue } from '../ondemand/run.js';
import { ENTITIES, ROW } from './entities.js';
import { InvalidRequestError } from './errors.js';
import { compileToSql } from './on-demand-sql.js';
import type { JoinedFeature } from './pit-join.js';
import { ident } from './sql.js';
import { duckdbType } from './types.js';

/** Rows per transform call: large enough to amortise the round trips, small enough to bound memory. */
const BATCH_ROWS = 50_000;
const BASE = '__ff_base';

const LIST_TYPE: Record<string, DuckDBType> = {
  int32: LIST(INTEGER), int64: LIST(BIGINT), float32: LIST(FLOAT), float64: LIST(DOUBLE), string: LIST(VARCHAR), bool: LIST(BOOLEAN),
};

export interface OnDemandRequest {
  compiled: CompiledOnDemand;
  /** output name in the training set per schema field (`feature` or `odfv__feature`), undefined when not requested. */
  outputs: Array<string | undefined>;
}

/** Hidden column holding a source feature an on-demand view reads. */
export const hiddenColumn = (view: string, feature: string): string => `__ff_od__${view}__${feature}`;

/** The hidden source features to join, per view. */
export function hiddenFeatures(requests: readonly OnDemandRequest[]): Map<string, JoinedFeature[]> {
  const out = new Map<string, JoinedFeature[]>();
  for (const { compiled } of requests) {
    for (const input of compiled.inputs) {
      if (input.view === undefined) continue;
      const list = out.get(input.view) ?? [];
      const output = hiddenColumn(input.view, input.name);
      if (!list.some((f) => f.output === output)) list.push({ feature: input.name, output });
      out.set(input.view, list);
    }
  }
  return out;
}

export function checkRequestColumns(requests: readonly OnDemandRequest[], entityColumns: ReadonlySet<string>): void {
  for (const { compiled } of requests) {
    for (const field of compiled.odfv.request) {
      if (!entityColumns.has(field.name)) {
        throw new InvalidRequestError(
          `on-demand feature view "${compiled.odfv.name}" needs request field "${field.name}", but the entity rows have no ` +
            `such column (columns: ${[...entityColumns].join(', ')})`,
        );
      }
    }
  }
}

const inputSql = (input: { view: string | undefined; name: string }): string =>
  `b.${ident(input.view === undefined ? input.name : hiddenColumn(input.view, input.name))}`;

/**
 * Stores the joined rows and computes the on-demand outputs; returns the final query (input order) and its
 * columns. `visible` are the entity and requested feature columns of the joined rows, in output order.
 */
export async function applyOnDemand(
  conn: DuckDBConnection,
  joins: ReadonlyArray<{ table: string; outputs: readonly string[] }>,
  entityColumns: readonly string[],
  requests: readonly OnDemandRequest[],
  order: ReadonlyArray<{ join: number } | { onDemand: number }>,
): Promise<{ sql: string; columns: string[] }> {
  const joined = joins.flatMap((j, i) => j.outputs.map((o) => `j${i}.${ident(o)}`));
  const from = joins.map((j, i) => `LEFT JOIN ${ident(j.table)} j${i} ON j${i}.${ROW} = e.${ROW}`).join(' ');
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${BASE} AS SELECT e.${ROW}, ${[...entityColumns.map((c) => `e.${ident(c)}`), ...joined].join(', ')} FROM ${ENTITIES} e ${from}`,
  );
  const select = entityColumns.map((c) => `b.${ident(c)}`);
  const columns = [...entityColumns];
  const tables: string[] = [];
  for (const item of order) {
    if ('join' in item) {
      for (const o of (joins[item.join] as { outputs: readonly string[] }).outputs) {
        select.push(`b.${ident(o)}`);
        columns.push(o);
      }
      continue;
    }
    const request = requests[item.onDemand] as OnDemandRequest;
    const { compiled } = request;
    let table: string | undefined;
    if (compiled.expressions === undefined) {
      table = `__ff_od_${item.onDemand}`;
      await runTransform(conn, table, request);
      tables.push(`LEFT JOIN ${ident(table)} ${ident(table)} ON ${ident(table)}.${ROW} = b.${ROW}`);
    }
    const byName = new Map(compiled.inputs.map((i) => [i.name, i]));
    compiled.odfv.schema.forEach((field, k) => {
      const output = request.outputs[k];
      if (output === undefined) return;
      const typed = compiled.expressions?.get(field.name);
      const value = typed
        ? compileToSql(typed, (name) => inputSql(byName.get(name) ?? { view: undefined, name }))
        : `${ident(table as string)}.${ident(field.name)}`;
      select.push(`CAST(${value} AS ${duckdbType(field.dtype)}) AS ${ident(output)}`);
      columns.push(output);
    });
  }
  return { sql: `SELECT ${select.join(', ')} FROM ${BASE} b ${tables.join(' ')} ORDER BY b.${ROW}`, columns };
}

async function runTransform(conn: DuckDBConnection, table: string, request: OnDemandRequest): Promise<void> {
  const { compiled } = request;
  const runner = onDemandRunner(compiled);
  const outputs = compiled.odfv.schema;
  const defs = outputs.map((f) => `${ident(f.name)} ${duckdbType(f.dtype)}`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${ident(table)} (${ROW} BIGINT, ${defs.join(', ')})`);
  const count = Number((await conn.runAndReadAll(`SELECT count(*) AS n FROM ${BASE}`)).getRowObjectsJS()[0]?.n ?? 0);
  const inputs = compiled.inputs.map(inputSql).join(', ');
  for (let start = 1; start <= count; start += BATCH_ROWS) {
    const end = Math.min(start + BATCH_ROWS, count + 1);
    const reader = await conn.runAndReadAll(
      `SELECT ${inputs || '1 AS __ff_none'} FROM ${BASE} b WHERE b.${ROW} >= ${start} AND b.${ROW} < ${end} ORDER BY b.${ROW}`,
    );
    const rows = reader.getColumnsJS();
    const columns = compiled.inputs.map((input, k) => normalise(rows[k] ?? [], input.dtype, input.name));
    const result = runner.run(columns, end - start);
    const rowIds = Array.from({ length: end - start }, (_, i) => BigInt(start + i));
    const values = [listValue(rowIds), ...result.map((column) => listValue(column))];
    const types = [LIST(BIGINT), ...outputs.map((f) => LIST_TYPE[f.dtype] as DuckDBType)];
    const unnest = values.map((_, i) => `unnest($${i + 1})`).join(', ');
    await conn.run(`INSERT INTO ${ident(table)} SELECT ${unnest}`, values, types);
  }
}

function normalise(values: readonly unknown[], dtype: Dtype | undefined, name: string): OdValue[] {
  return values.map((v) => {
    const value = toOdValue(v, dtype);
    if (value === undefined) throw new InvalidRequestError(`column "${name}" holds ${String(v)}, which is not a valid ${dtype}`);
    return value;
  });
}
