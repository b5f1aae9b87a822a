/**
 * The serving side of the expression language: a checked tree compiled to nested closures (no eval) that follow
 * DuckDB's semantics exactly, so a value served equals the value the training set got from the SQL compiler:
 * NULL propagation, three-valued AND/OR, IEEE division (x / 0 is Infinity or NaN, as in DuckDB), integer % 0 is
 * NULL, NaN equals NaN and sorts above every number, strings compare by code point, round halves away from zero,
 * least/greatest skip NULLs.
 */
import type { Typed } from '../registry/expression/ast.js';

export type OdValue = number | string | boolean | null;

/** Evaluates the expression for row `i` of `columns` (indexed as given to compileToJs). */
export type RowEvaluator = (columns: ReadonlyArray<readonly OdValue[]>, i: number) => OdValue;

/** -0 is a float thing; DuckDB's BIGINT has no negative zero. */
const intResult = (n: number): number => (n === 0 ? 0 : n);

/** DuckDB's total order on values of one type (NaN = NaN, NaN greatest; strings by code point). */
export function compareValues(a: number | string | boolean, b: number | string | boolean): number {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
    if (Number.isNaN(b)) return -1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  return a === b ? 0 : a ? 1 : -1;
}

function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 orders surrogates (astral code points) below U+E000-U+FFFF; UTF-8 bytes, as DuckDB compares, do not.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length < 0 ? -1 : a.length > b.length ? 1 : 0;
}

function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

export function compileToJs(expr: Typed, columnIndex: (name: string) => number): RowEvaluator {
  const sub = (e: Typed): RowEvaluator => compileToJs(e, columnIndex);
  switch (expr.kind) {
    case 'int':
    case 'float':
    case 'string':
    case 'bool': {
      const value = expr.value;
      return () => value;
    }
    case 'null':
      return () => null;
    case 'column': {
      const index = columnIndex(expr.name);
      return (cols, i) => (cols[index] as readonly OdValue[])[i] as OdValue;
    }
    case 'neg': {
      const arg = sub(expr.arg as Typed);
      const isInt = expr.type === 'int';
      return (c, i) => {
        const v = arg(c, i) as number | null;
        return v === null ? null : isInt ? intResult(-v) : -v;
      };
    }
    case 'not': {
      const arg = sub(expr.arg as Typed);
      return (c, i) => {
        const v = arg(c, i);
        return v === null ? null : !v;
      };
    }
    case 'isNull': {
      const arg = sub(expr.arg as Typed);
      const negated = expr.negated;
      return (c, i) => (arg(c, i) === null) !== negated;
    }
    case 'binary':
      return binary(expr as Typed<Extract<Typed, { kind: 'binary' }>>, sub);
    case 'case': {
      const whens = expr.whens.map((w) => ({ when: sub(w.when as Typed), then: sub(w.then as Typed) }));
      const otherwise = expr.otherwise === undefined ? () => null : sub(expr.otherwise as Typed);
      return (c, i) => {
        for (const w of whens) if (w.when(c, i) === true) return w.then(c, i);
        return otherwise(c, i);
      };
    }
    case 'call':
      return call(expr as Typed<Extract<Typed, { kind: 'call' }>>, sub);
  }
}

function binary(expr: Typed<Extract<Typed, { kind: 'binary' }>>, sub: (e: Typed) => RowEvaluator): RowEvaluator {
  const left = sub(expr.left as Typed);
  const right = sub(expr.right as Typed);
  const isInt = expr.type === 'int';
  const strict = (f: (a: never, b: never) => OdValue): RowEvaluator => (c, i) => {
    const a = left(c, i);
    if (a === null) return null;
    const b = right(c, i);
    return b === null ? null : f(a as never, b as never);
  };
  switch (expr.op) {
    case '+':
      return strict((a: number, b: number) => (isInt ? intResult(a + b) : a + b));
    case '-':
      return strict((a: number, b: number) => (isInt ? intResult(a - b) : a - b));
    case '*':
      return strict((a: number, b: number) => (isInt ? intResult(a * b) : a * b));
    case '/':
      return strict((a: number, b: number) => a / b);
    case '%':
      return strict((a: number, b: number) => (isInt ? (b === 0 ? null : intResult(a % b)) : a % b));
    case '||':
      return strict((a: string, b: string) => a + b);
    case '=':
      return strict((a: number, b: number) => compareValues(a, b) === 0);
    case '<>':
      return strict((a: number, b: number) => compareValues(a, b) !== 0);
    case '<':
      return strict((a: number, b: number) => compareValues(a, b) < 0);
    case '<=':
      return strict((a: number, b: number) => compareValues(a, b) <= 0);
    case '>':
      return strict((a: number, b: number) => compareValues(a, b) > 0);
    case '>=':
      return strict((a: number, b: number) => compareValues(a, b) >= 0);
    case 'and':
      return (c, i) => {
        const a = left(c, i);
        if (a === false) return false;
        const b = right(c, i);
        if (b === false) return false;
        return a === null || b === null ? null : true;
      };
    case 'or':
      return (c, i) => {
        const a = left(c, i);
        if (a === true) return true;
        const b = right(c, i);
        if (b === true) return true;
        return a === null || b === null ? null : false;
      };
  }
}

function call(expr: Typed<Extract<Typed, { kind: 'call' }>>, sub: (e: Typed) => RowEvaluator): RowEvaluator {
  const args = expr.args.map((a) => sub(a as Typed));
  const first = args[0] as RowEvaluator;
  const unary = (f: (v: never) => OdValue): RowEvaluator => (c, i) => {
    const v = first(c, i);
    return v === null ? null : f(v as never);
  };
  switch (expr.fn) {
    case 'coalesce':
      return (c, i) => {
        for (const arg of args) {
          const v = arg(c, i);
          if (v !== null) return v;
        }
        return null;
      };
    case 'nullif': {
      const second = args[1] as RowEvaluator;
      return (c, i) => {
        const a = first(c, i);
        if (a === null) return null;
        const b = second(c, i);
        return b !== null && compareValues(a, b) === 0 ? null : a;
      };
    }
    case 'least':
    case 'greatest': {
      const sign = expr.fn === 'least' ? -1 : 1;
      return (c, i) => {
        let best: OdValue = null;
        for (const arg of args) {
          const v = arg(c, i);
          if (v !== null && (best === null || compareValues(v, best) * sign > 0)) best = v;
        }
        return best;
      };
    }
    case 'abs':
      return unary((v: number) => Math.abs(v));
    case 'round': {
      if (expr.type === 'int') return first;
      const digits = expr.args[1];
      if (digits === undefined || digits.kind !== 'int' || digits.value === 0) return unary((v: number) => roundHalfAway(v));
      const modifier = 10 ** digits.value;
      // DuckDB: round(x * 10^d) / 10^d, and x itself when that overflows.
      return unary((v: number) => {
        const r = roundHalfAway(v * modifier) / modifier;
        return Number.isFinite(r) ? r : v;
      });
    }
    case 'lower':
      return unary((v: string) => v.toLowerCase());
    case 'upper':
      return unary((v: string) => v.toUpperCase());
    case 'length':
      return unary((v: string) => {
        let n = 0;
        for (let i = 0; i < v.length; i++) {
          const code = v.charCodeAt(i);
          if (code < 0xdc00 || code > 0xdfff) n++;
        }
        return n;
      });
    case 'if': {
      const then = args[1] as RowEvaluator;
      const otherwise = args[2] as RowEvaluator;
      return (c, i) => (first(c, i) === true ? then(c, i) : otherwise(c, i));
    }
  }
}
