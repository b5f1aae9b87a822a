/**
 * Running an on-demand view over a batch of columns: the one code path serving and training (for TypeScript
 * transforms) share, so both normalise inputs and check outputs the same way.
 */
import { specialFloat, type Dtype } from '../registry/dtypes.js';
import { FeatureflowError } from '../registry/errors.js';
import type { CompiledOnDemand, OnDemandInput } from '../registry/on-demand.js';
import { isTransformFn, type Field, type OdValue } from '../registry/schema.js';
import { compileToJs, type RowEvaluator } from './expression-js.js';

export type { OdValue } from '../registry/schema.js';

/** A transform threw or returned something its schema does not allow: a definition bug, not a bad request. */
export class TransformError extends FeatureflowError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('TRANSFORM_FAILED', message, options);
  }
}

/**
 * An expression computed a value its output's dtype cannot hold for this row's values (an int64 beyond 2^53, where
 * serving's JS numbers stop being exact; an int32 past its range). Expressions are type-checked when the repo loads,
 * so this is never the definition's fault nor the client's request's: it is what the stored and sent values add up to.
 */
export class TransformRangeError extends FeatureflowError {
  constructor(message: string) {
    super('TRANSFORM_OUT_OF_RANGE', message);
  }
}

/**
 * A stored or joined value as a transform sees it: int64 (bigint from DuckDB, a decimal string beyond 2^53 in the
 * online store's JSON form) and floats ("NaN" in JSON form) become numbers. Returns undefined when it cannot.
 */
export function toOdValue(raw: unknown, dtype: Dtype | undefined): OdValue | undefined {
  if (raw === null || raw === undefined) return null;
  switch (typeof raw) {
    case 'bigint':
      return Number(raw);
    case 'number':
      if (dtype === 'int32' || dtype === 'int64') return Number.isInteger(raw) ? raw : undefined;
      // A number is no string and no bool: `lower(x)` or `if(x, ...)` on one would throw or branch wrongly.
      return dtype === 'string' || dtype === 'bool' ? undefined : raw;
    case 'boolean':
      return dtype === 'bool' || dtype === undefined ? raw : undefined;
    case 'string':
      if (dtype === 'string' || dtype === undefined) return raw;
      if (dtype === 'int64' && /^-?\d+$/.test(raw)) return Number(raw);
      if (dtype === 'float32' || dtype === 'float64') return specialFloat(raw);
      return undefined;
    default:
      return undefined;
  }
}

type Refusal = (message: string) => FeatureflowError;
const definitionBug: Refusal = (message) => new TransformError(message);
const outOfRange: Refusal = (message) =>
  new TransformRangeError(`${message}: out of range for the output's dtype (integers are exact up to 2^53 in serving)`);

function checkOutput(value: unknown, field: Field, where: () => string, refuse: Refusal = definitionBug): OdValue {
  if (value === null || value === undefined) return null;
  switch (field.dtype) {
    case 'int32':
    case 'int64':
      if (typeof value === 'number' && Number.isSafeInteger(value)) {
        if (field.dtype === 'int64' || (value >= -2147483648 && value <= 2147483647)) return value === 0 ? 0 : value;
      }
      break;
    case 'float32':
      if (typeof value === 'number') return Math.fround(value);
      break;
    case 'float64':
      if (typeof value === 'number') return value;
      break;
    case 'string':
      if (typeof value === 'string') return value;
      break;
    case 'bool':
      if (typeof value === 'boolean') return value;
      break;
    default:
      break;
  }
  // Only a number missing an integer dtype's range is the values' doing; anything else is a bug wherever it came from.
  const refusal = typeof value === 'number' && (field.dtype === 'int32' || field.dtype === 'int64') ? refuse : definitionBug;
  const shown = typeof value === 'number' ? String(value) : (JSON.stringify(value)?.slice(0, 60) ?? typeof value);
  throw refusal(`${where()}: ${shown} is not a valid ${field.dtype}`);
}

export interface OnDemandRunner {
  readonly name: string;
  readonly inputs: readonly OnDemandInput[];
  readonly outputs: readonly Field[];
  /** `columns[k]` holds input k (in `inputs` order) for `rows` rows; returns one column per output, in order. */
  run(columns: ReadonlyArray<readonly OdValue[]>, rows: number): OdValue[][];
}

const runners = new WeakMap<CompiledOnDemand, OnDemandRunner>();

export function onDemandRunner(compiled: CompiledOnDemand): OnDemandRunner {
  let runner = runners.get(compiled);
  if (!runner) {
    runner = isTransformFn(compiled.odfv.transform) ? functionRunner(compiled) : expressionRunner(compiled);
    runners.set(compiled, runner);
  }
  return runner;
}

function expressionRunner(compiled: CompiledOnDemand): OnDemandRunner {
  const { odfv, inputs } = compiled;
  const names = inputs.map((i) => i.name);
  const evaluators: RowEvaluator[] = odfv.schema.map((field) => {
    const typed = compiled.expressions?.get(field.name);
    if (!typed) throw new TransformError(`on-demand feature view "${odfv.name}" has no expression for "${field.name}"`);
    return compileToJs(typed, (name) => names.indexOf(name));
  });
  return {
    name: odfv.name,
    inputs,
    outputs: odfv.schema,
    run(columns, rows) {
      return odfv.schema.map((field, k) => {
        const evaluate = evaluators[k] as RowEvaluator;
        const out: OdValue[] = new Array(rows);
        for (let i = 0; i < rows; i++) {
          // Type-checked at load, an expression can only go wrong by the values of a row, never by its kind.
          out[i] = checkOutput(evaluate(columns, i), field, () => `${odfv.name}:${field.name} row ${i}`, outOfRange);
        }
        return out;
      });
    },
  };
}

function functionRunner(compiled: CompiledOnDemand): OnDemandRunner {
  const { odfv, inputs } = compiled;
  const fn = odfv.transform;
  if (!isTransformFn(fn)) throw new TransformError(`on-demand feature view "${odfv.name}" has no function`);
  return {
    name: odfv.name,
    inputs,
    outputs: odfv.schema,
    run(columns, rows) {
      const named: Record<string, readonly OdValue[]> = {};
      inputs.forEach((input, k) => (named[input.name] = columns[k] as readonly OdValue[]));
      let result: Record<string, readonly OdValue[]>;
      try {
        result = fn(named);
      } catch (err) {
        throw new TransformError(`on-demand feature view "${odfv.name}": the transform threw: ${(err as Error).message ?? String(err)}`, { cause: err });
      }
      return odfv.schema.map((field) => {
        const column: unknown = result?.[field.name];
        if (!Array.isArray(column) || column.length !== rows) {
          const got = Array.isArray(column) ? `${column.length} values` : typeof column;
          throw new TransformError(`on-demand feature view "${odfv.name}": output "${field.name}" must be a list of ${rows} values, got ${got}`);
        }
        return column.map((v: unknown, i) => checkOutput(v, field, () => `${odfv.name}:${field.name} row ${i}`));
      });
    },
  };
}
