/**
 * What an on-demand view reads and how its expressions type-check, shared by the reference checks, the training
 * engine and the online planner so that every entry point sees the same inputs.
 */
import type { Dtype } from './dtypes.js';
import { ExpressionProblem, type Typed } from './expression/ast.js';
import { columnsOf, compileExpression, exprTypeOf, fitsOutput } from './expression/check.js';
import { NotFoundError, ValidationError } from './errors.js';
import { findView, viewFeatures } from './features.js';
import { isTransformFn, type OnDemandFeatureView, type Repo } from './schema.js';

/** Dtypes a transform can read and write (scalars that JS numbers, strings and booleans carry exactly). */
export const ON_DEMAND_DTYPES: readonly Dtype[] = ['int32', 'int64', 'float32', 'float64', 'string', 'bool'];

export interface OnDemandInput {
  /** Name the transform sees the column by: the feature's own name, or the request field's. */
  name: string;
  /** Source view, or undefined for a request field. */
  view: string | undefined;
  dtype: Dtype | undefined;
}

export interface CompiledOnDemand {
  odfv: OnDemandFeatureView;
  /** What the transform needs, in declaration order (sources first, then request fields); JSON views only what they use. */
  inputs: OnDemandInput[];
  /** JSON views: output name -> checked expression. Undefined for a TypeScript function. */
  expressions: ReadonlyMap<string, Typed> | undefined;
}

export function findOnDemandView(repo: Repo, name: string): OnDemandFeatureView | undefined {
  return repo.onDemandFeatureViews.find((v) => v.name === name);
}

export function requireOnDemandView(repo: Repo, name: string): OnDemandFeatureView {
  const odfv = findOnDemandView(repo, name);
  if (!odfv) throw new NotFoundError(`unknown on-demand feature view "${name}"`);
  return odfv;
}

/** Every input an on-demand view declares (source features, then request fields). Unknown names are skipped. */
export function declaredInputs(repo: Pick<Repo, 'featureViews'>, odfv: OnDemandFeatureView): OnDemandInput[] {
  const out: OnDemandInput[] = [];
  for (const source of odfv.sources) {
    const view = repo.featureViews.find((v) => v.name === source.view);
    if (!view) continue;
    const offered = viewFeatures(view);
    const names = source.features ?? offered.map((f) => f.name);
    for (const name of names) {
      const feature = offered.find((f) => f.name === name);
      if (feature) out.push({ name, view: view.name, dtype: feature.dtype });
    }
  }
  for (const field of odfv.request) out.push({ name: field.name, view: undefined, dtype: field.dtype });
  return out;
}

/** Why `input` cannot be read by a transform, or undefined when it can. */
export function inputProblem(input: OnDemandInput): string | undefined {
  if (input.dtype === undefined || ON_DEMAND_DTYPES.includes(input.dtype)) return undefined;
  const what = input.view === undefined ? `request field "${input.name}"` : `feature "${input.view}:${input.name}"`;
  return `${what} has dtype ${input.dtype}; transforms read ${ON_DEMAND_DTYPES.join(', ')}`;
}

/**
 * Type-checks each expression against the declared inputs; returns the problems keyed by output (the message
 * names the expression and the position) next to whatever compiled.
 */
export function checkExpressions(
  odfv: OnDemandFeatureView,
  inputs: readonly OnDemandInput[],
): { expressions: Map<string, Typed>; problems: Map<string, string> } {
  const expressions = new Map<string, Typed>();
  const problems = new Map<string, string>();
  if (isTransformFn(odfv.transform)) return { expressions, problems };
  const byName = new Map(inputs.map((i) => [i.name, i]));
  for (const [output, text] of Object.entries(odfv.transform)) {
    const field = odfv.schema.find((f) => f.name === output);
    try {
      const typed = compileExpression(text, (name) => {
        const input = byName.get(name);
        if (input === undefined) return undefined;
        const problem = inputProblem(input);
        if (problem) throw new ExpressionProblem(problem, -1);
        return exprTypeOf(input.dtype);
      });
      if (field && !fitsOutput(typed.type, field.dtype)) {
        throw new ExpressionProblem(`gives ${typed.type}, which output "${output}" (${field.dtype}) cannot hold`, 0);
      }
      expressions.set(output, typed);
    } catch (err) {
      if (!(err instanceof ExpressionProblem)) throw err;
      problems.set(output, describeProblem(text, err));
    }
  }
  return { expressions, problems };
}

function describeProblem(text: string, problem: ExpressionProblem): string {
  const where = problem.pos < 0 ? '' : ` at position ${problem.pos + 1}`;
  const known = problem.message.startsWith('unknown column') ? ' (columns are the declared source features and request fields)' : '';
  return `expression ${JSON.stringify(text)}${where}: ${problem.message}${known}`;
}

const compiledCache = new WeakMap<OnDemandFeatureView, CompiledOnDemand>();

/** The view ready to run; the repo is validated, so a problem here is a bug and throws. */
export function compileOnDemand(repo: Repo, odfv: OnDemandFeatureView): CompiledOnDemand {
  const cached = compiledCache.get(odfv);
  if (cached) return cached;
  for (const source of odfv.sources) findView(repo, source.view);
  const declared = declaredInputs(repo, odfv);
  let compiled: CompiledOnDemand;
  if (isTransformFn(odfv.transform)) {
    compiled = { odfv, inputs: declared, expressions: undefined };
  } else {
    const { expressions, problems } = checkExpressions(odfv, declared);
    if (problems.size > 0) {
      throw new ValidationError(`on-demand feature view "${odfv.name}"`, [...problems].map(([k, message]) => ({ path: `transform.${k}`, message })));
    }
    const used = new Set([...expressions.values()].flatMap((e) => columnsOf(e)));
    compiled = { odfv, inputs: declared.filter((i) => used.has(i.name)), expressions };
  }
  compiledCache.set(odfv, compiled);
  return compiled;
}
