/**
 * References inside a view's `validation` rules: the feature a rule names must be one the view offers, and `in`
 * values and `range` bounds must fit its dtype, so a typo fails at apply instead of blocking every later run.
 * The `sql` predicates are checked by the engine's sql-guard when an engine opens (engine/repo-sql.ts).
 */
import type { Dtype } from './dtypes.js';
import { get, known, list, type Add } from './raw.js';

export interface OfferedFeature {
  name: string;
  /** Undefined when the view is malformed or the column is typed at compute time: only the name is checked. */
  dtype: Dtype | undefined;
}

const NUMERIC: ReadonlySet<string> = new Set(['int32', 'int64', 'float32', 'float64']);
const INTEGER: ReadonlySet<string> = new Set(['int32', 'int64']);

export function checkValidationRules(view: unknown, base: string, offered: readonly OfferedFeature[], add: Add): void {
  const byName = new Map(offered.map((f) => [f.name, f]));
  list(get(view, 'validation')).forEach((rule, j) => {
    const path = `${base}.validation[${j}]`;
    const name = get(rule, 'feature');
    if (typeof name !== 'string') return;
    const feature = byName.get(name);
    if (feature === undefined) {
      add(`${path}.feature`, `unknown feature "${name}"; the view offers: ${known(byName.keys())}`);
      return;
    }
    const kind = get(rule, 'rule');
    if (feature.dtype === undefined) return;
    if (kind === 'range' && !NUMERIC.has(feature.dtype)) {
      add(`${path}.rule`, `a range needs a numeric feature; "${name}" is ${feature.dtype}`);
    }
    if (kind === 'in') {
      list(get(rule, 'values')).forEach((value, k) => {
        const problem = misfit(value, feature.dtype as Dtype);
        if (problem) add(`${path}.values[${k}]`, `${JSON.stringify(value)} ${problem} (feature "${name}" is ${feature.dtype})`);
      });
    }
  });
}

/** Why `value` cannot equal a value of `dtype`, or undefined when it can. */
function misfit(value: unknown, dtype: Dtype): string | undefined {
  if (dtype.endsWith('[]')) return 'cannot be compared: `in` takes scalar features only';
  if (INTEGER.has(dtype)) return typeof value === 'number' && Number.isInteger(value) ? undefined : 'is not an integer';
  if (NUMERIC.has(dtype)) return typeof value === 'number' ? undefined : 'is not a number';
  if (dtype === 'bool') return typeof value === 'boolean' ? undefined : 'is not true or false';
  if (dtype === 'timestamp') return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? undefined : 'is not an ISO-8601 timestamp';
  return typeof value === 'string' ? undefined : 'is not a string';
}
