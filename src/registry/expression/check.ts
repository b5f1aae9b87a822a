/**
 * Static typing of an on-demand expression against the columns it may read. Mixing types is refused rather than
 * coerced (no string + number, no number = string), so the SQL and JS compilers never have to agree on a coercion.
 */
import type { Dtype } from '../dtypes.js';
import { ExpressionProblem, type Expr, type ExprType, type Typed } from './ast.js';
import { parseExpression } from './parser.js';

/** Dtypes an expression can read and write; undefined (an aggregation column DuckDB types) reads as float. */
export function exprTypeOf(dtype: Dtype | undefined): ExprType | undefined {
  switch (dtype) {
    case 'int32':
    case 'int64':
      return 'int';
    case undefined:
    case 'float32':
    case 'float64':
      return 'float';
    case 'string':
      return 'string';
    case 'bool':
      return 'bool';
    default:
      return undefined;
  }
}

const isNumeric = (t: ExprType): boolean => t === 'int' || t === 'float' || t === 'null';

/** The common type of branches or arguments: int and float widen to float; null fits anything. */
function unify(types: ExprType[], pos: number, what: string): ExprType {
  let out: ExprType = 'null';
  for (const t of types) {
    if (t === 'null' || t === out) continue;
    if (out === 'null') out = t;
    else if (isNumeric(out) && isNumeric(t)) out = 'float';
    else throw new ExpressionProblem(`${what} mix ${out} and ${t}`, pos);
  }
  return out;
}

function expectType(e: Typed, allowed: ExprType[], what: string): void {
  if (e.type !== 'null' && !allowed.includes(e.type)) {
    throw new ExpressionProblem(`${what} must be ${allowed.join(' or ')}, not ${e.type}`, e.pos);
  }
}

const ARITY: Record<string, [number, number]> = {
  coalesce: [1, Infinity],
  nullif: [2, 2],
  abs: [1, 1],
  round: [1, 2],
  least: [2, Infinity],
  greatest: [2, Infinity],
  lower: [1, 1],
  upper: [1, 1],
  length: [1, 1],
  if: [3, 3],
};

export function checkExpression(expr: Expr, columnType: (name: string) => ExprType | undefined): Typed {
  const check = (e: Expr): Typed => checkExpression(e, columnType);
  switch (expr.kind) {
    case 'int':
    case 'float':
    case 'string':
    case 'bool':
    case 'null':
      return { ...expr, type: expr.kind };
    case 'column': {
      const type = columnType(expr.name);
      if (type === undefined) throw new ExpressionProblem(`unknown column "${expr.name}"`, expr.pos);
      return { ...expr, type };
    }
    case 'neg': {
      const arg = check(expr.arg);
      expectType(arg, ['int', 'float'], 'the operand of unary minus');
      return { ...expr, arg, type: arg.type };
    }
    case 'not': {
      const arg = check(expr.arg);
      expectType(arg, ['bool'], 'the operand of NOT');
      return { ...expr, arg, type: 'bool' };
    }
    case 'isNull':
      return { ...expr, arg: check(expr.arg), type: 'bool' };
    case 'binary': {
      const left = check(expr.left);
      const right = check(expr.right);
      return { ...expr, left, right, type: binaryType(expr.op, left, right, expr.pos) };
    }
    case 'case': {
      const whens = expr.whens.map((w) => {
        const when = check(w.when);
        expectType(when, ['bool'], 'a WHEN condition');
        return { when, then: check(w.then) };
      });
      const otherwise = expr.otherwise === undefined ? undefined : check(expr.otherwise);
      const results = [...whens.map((w) => w.then.type), ...(otherwise ? [otherwise.type] : [])];
      return { ...expr, whens, otherwise, type: unify(results, expr.pos, 'the branches of CASE') };
    }
    case 'call':
      return checkCall(expr, check);
  }
}

function binaryType(op: string, left: Typed, right: Typed, pos: number): ExprType {
  switch (op) {
    case '+':
    case '-':
    case '*':
    case '%':
      expectType(left, ['int', 'float'], `the left operand of ${op}`);
      expectType(right, ['int', 'float'], `the right operand of ${op}`);
      // int op int stays int (as BIGINT in DuckDB); a float on either side makes it float; NULL takes the other's.
      return unify([left.type, right.type], pos, `the operands of ${op}`);
    case '/':
      expectType(left, ['int', 'float'], 'the left operand of /');
      expectType(right, ['int', 'float'], 'the right operand of /');
      return 'float';
    case '||':
      expectType(left, ['string'], 'the left operand of ||');
      expectType(right, ['string'], 'the right operand of ||');
      return 'string';
    case 'and':
    case 'or':
      expectType(left, ['bool'], `the left operand of ${op.toUpperCase()}`);
      expectType(right, ['bool'], `the right operand of ${op.toUpperCase()}`);
      return 'bool';
    default:
      unify([left.type, right.type], pos, `the operands of ${op}`);
      return 'bool';
  }
}

function checkCall(expr: Extract<Expr, { kind: 'call' }>, check: (e: Expr) => Typed): Typed {
  const [min, max] = ARITY[expr.fn] as [number, number];
  if (expr.args.length < min || expr.args.length > max) {
    const count = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new ExpressionProblem(`${expr.fn} takes ${count} argument${min === 1 && max === 1 ? '' : 's'}, not ${expr.args.length}`, expr.pos);
  }
  const args = expr.args.map(check);
  const typed = (type: ExprType): Typed => ({ ...expr, args, type });
  const first = args[0] as Typed;
  switch (expr.fn) {
    case 'coalesce':
    case 'nullif':
    case 'least':
    case 'greatest':
      return typed(unify(args.map((a) => a.type), expr.pos, `the arguments of ${expr.fn}`));
    case 'abs':
      expectType(first, ['int', 'float'], 'the argument of abs');
      return typed(first.type);
    case 'round': {
      expectType(first, ['int', 'float'], 'the first argument of round');
      const digits = args[1];
      if (digits !== undefined && !(digits.kind === 'int' && digits.value <= 10)) {
        throw new ExpressionProblem('the digits of round must be a whole number from 0 to 10', digits.pos);
      }
      return typed(first.type);
    }
    case 'lower':
    case 'upper':
      expectType(first, ['string'], `the argument of ${expr.fn}`);
      return typed('string');
    case 'length':
      expectType(first, ['string'], 'the argument of length');
      return typed('int');
    case 'if': {
      expectType(first, ['bool'], 'the condition of if');
      return typed(unify([args[1] as Typed, args[2] as Typed].map((a) => a.type), expr.pos, 'the branches of if'));
    }
  }
}

/** Columns an expression reads, in first-use order. */
export function columnsOf(expr: Expr): string[] {
  const out = new Set<string>();
  const visit = (e: Expr): void => {
    switch (e.kind) {
      case 'column':
        out.add(e.name);
        break;
      case 'neg':
      case 'not':
      case 'isNull':
        visit(e.arg);
        break;
      case 'binary':
        visit(e.left);
        visit(e.right);
        break;
      case 'call':
        e.args.forEach(visit);
        break;
      case 'case':
        e.whens.forEach((w) => (visit(w.when), visit(w.then)));
        if (e.otherwise) visit(e.otherwise);
        break;
      default:
        break;
    }
  };
  visit(expr);
  return [...out];
}

/** Whether a value of static type `type` may be written to an output of `dtype` (no narrowing float -> int). */
export function fitsOutput(type: ExprType, dtype: Dtype): boolean {
  const target = exprTypeOf(dtype);
  if (target === undefined || dtype === undefined) return false;
  return type === 'null' || type === target || (type === 'int' && target === 'float');
}

/** Parses and checks one expression; the problem's message names neither the output nor the text (callers do). */
export function compileExpression(text: string, columnType: (name: string) => ExprType | undefined): Typed {
  return checkExpression(parseExpression(text), columnType);
}
