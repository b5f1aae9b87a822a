/**
 * Serving on-demand features: after the one store read, each requested on-demand view runs once over all the
 * request's entities (vectorised), reading stored features and request fields, and its outputs join the response.
 * Like Feast, a derived value's event timestamp is the epoch (it has no event of its own); unlike Feast, a NULL output
 * is reported NULL_VALUE rather than PRESENT, as stored features are.
 */
import type { Dtype } from '../registry/dtypes.js';
import type { FeatureColumn, JsonValue } from '../online/types.js';
import { onDemandRunner, toOdValue, type OdValue, type OnDemandRunner } from '../ondemand/run.js';
import type { CompiledOnDemand } from '../registry/on-demand.js';
import { BadRequestError } from './errors.js';

export type InputSource = { read: number } | { request: string; dtype: Dtype | undefined };
export type ColumnSource = { read: number } | { step: number; output: number };

export interface OnDemandStep {
  runner: OnDemandRunner;
  inputs: InputSource[];
}

export interface OnDemandServing {
  steps: OnDemandStep[];
  /** Where each response feature column comes from, in response order. */
  columns: ColumnSource[];
  /** Request fields: sent in `entities` but, as in Feast, not echoed in the response. */
  requestFields: ReadonlySet<string>;
}

export function onDemandStep(compiled: CompiledOnDemand, readIndex: (view: string, feature: string) => number): OnDemandStep {
  return {
    runner: onDemandRunner(compiled),
    inputs: compiled.inputs.map((input) =>
      input.view === undefined ? { request: input.name, dtype: input.dtype } : { read: readIndex(input.view, input.name) },
    ),
  };
}

function readInput(column: FeatureColumn, dtype: Dtype | undefined): OdValue[] {
  const out: OdValue[] = new Array(column.values.length);
  for (let i = 0; i < out.length; i++) {
    // NOT_FOUND and OUTSIDE_MAX_AGE values are absent, as in a training set where the join finds no row.
    out[i] = column.statuses[i] === 'PRESENT' ? (toOdValue(column.values[i], dtype) ?? null) : null;
  }
  return out;
}

function requestInput(name: string, dtype: Dtype | undefined, values: readonly unknown[]): OdValue[] {
  return values.map((v, i) => {
    const value = toOdValue(v, dtype);
    // Transforms compute in JS numbers: an integer they would round is refused rather than silently changed.
    if (value === undefined || (typeof value === 'number' && (dtype === 'int64' || dtype === 'int32') && !Number.isSafeInteger(value))) {
      throw new BadRequestError(`invalid request: entities.${name}[${i}]: ${JSON.stringify(v)} is not a valid ${dtype} (request field "${name}")`);
    }
    return value;
  });
}

const encode = (v: OdValue): JsonValue => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);

function outputColumn(values: OdValue[]): FeatureColumn {
  const rows = values.length;
  const column: FeatureColumn = { values: new Array(rows), statuses: new Array(rows), eventMicros: new Array(rows).fill(0) };
  for (let i = 0; i < rows; i++) {
    const v = values[i] as OdValue;
    column.values[i] = encode(v);
    column.statuses[i] = v === null ? 'NULL_VALUE' : 'PRESENT';
  }
  return column;
}

/** The response's feature columns from the store's columns (one per read) and the request's entities. */
export function computeOnDemand(
  serving: OnDemandServing,
  entities: Readonly<Record<string, readonly unknown[]>>,
  reads: readonly FeatureColumn[],
  dtypeOfRead: (read: number) => Dtype | undefined,
): FeatureColumn[] {
  const rows = (Object.values(entities)[0] ?? []).length;
  const outputs = serving.steps.map((step) => {
    const columns = step.inputs.map((input) =>
      'read' in input
        ? readInput(reads[input.read] as FeatureColumn, dtypeOfRead(input.read))
        : requestInput(input.request, input.dtype, entities[input.request] as readonly unknown[]),
    );
    return step.runner.run(columns, rows).map(outputColumn);
  });
  return serving.columns.map((source) =>
    'read' in source ? (reads[source.read] as FeatureColumn) : ((outputs[source.step] as FeatureColumn[])[source.output] as FeatureColumn),
  );
}
