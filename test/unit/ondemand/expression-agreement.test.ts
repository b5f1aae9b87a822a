/**
 * Property test: for random well-typed expressions over random rows (NULLs, zeros, NaN, -0, non-ASCII strings),
 * DuckDB evaluating the SQL compilation and JS evaluating the closure compilation give identical values. This is
 * what makes on-demand outputs the same in training sets and when served.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileToSql } from '../../../src/engine/on-demand-sql.js';
import { ident } from '../../../src/engine/sql.js';
import { compileToJs, type OdValue } from '../../../src/ondemand/expression-js.js';
import type { ExprType } from '../../../src/registry/expression/ast.js';
import { compileExpression } from '../../../src/registry/expression/check.js';
import { rng } from '../../helpers/prng.js';

const COLUMNS: Record<string, Exclude<ExprType, 'null'>> = {
  i1: 'int', i2: 'int', f1: 'float', f2: 'float', s1: 'string', s2: 'string', b1: 'bool', b2: 'bool',
};
const NAMES = Object.keys(COLUMNS);
const SQL_TYPES = { int: 'BIGINT', float: 'DOUBLE', string: 'VARCHAR', bool: 'BOOLEAN' } as const;
const FLOATS = [0, -0, 0.5, 2.5, -2.5, 1.005, 0.1, 3, -7.25, 1e-9, 123456.789, Number.NaN];
const STRINGS = ['', 'a', 'B', 'abc', 'Abc', 'héllo', 'z', '\u{1F986}', '\uFFFD', "it's"];

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

function randomValue(r: Rand, type: Exclude<ExprType, 'null'>): OdValue {
  if (r() < 0.15) return null;
  switch (type) {
    case 'int':
      return r() < 0.2 ? 0 : Math.floor(r() * 41) - 20;
    case 'float':
      return r() < 0.5 ? pick(r, FLOATS) : Math.round((r() - 0.5) * 2000) / 16;
    case 'string':
      return pick(r, STRINGS);
    case 'bool':
      return r() < 0.5;
  }
}

/** A random expression text of roughly the wanted type (the checker has the last word on validity). */
function randomExpr(r: Rand, type: Exclude<ExprType, 'null'>, depth: number): string {
  const leaf = (): string => {
    if (r() < 0.1) return 'null';
    const cols = NAMES.filter((n) => COLUMNS[n] === type);
    if (r() < 0.6) return pick(r, cols);
    switch (type) {
      case 'int':
        return String(Math.floor(r() * 10));
      case 'float':
        return pick(r, ['0.5', '2.5', '0.0', '1e2', '.25', '3.0']);
      case 'string':
        return pick(r, ["'x'", "''", "'Héllo'", "'it''s'"]);
      case 'bool':
        return pick(r, ['true', 'false']);
    }
  };
  if (depth <= 0 || r() < 0.25) return leaf();
  const d = depth - 1;
  const num = (): 'int' | 'float' => (r() < 0.5 ? 'int' : 'float');
  const any = (): Exclude<ExprType, 'null'> => pick(r, ['int', 'float', 'string', 'bool'] as const);
  const e = (t: Exclude<ExprType, 'null'>): string => randomExpr(r, t, d);
  const choices: Array<() => string> = [];
  if (type === 'int' || type === 'float') {
    const t = type === 'int' ? 'int' : num;
    const tt = (): 'int' | 'float' => (typeof t === 'string' ? t : t());
    choices.push(
      () => `(${e(tt())} ${pick(r, ['+', '-', '*', '%'])} ${e(tt())})`,
      () => `-${e(tt())}`,
      () => `abs(${e(tt())})`,
      () => `round(${e(tt())}${r() < 0.5 ? `, ${Math.floor(r() * 4)}` : ''})`,
      () => `${pick(r, ['least', 'greatest', 'coalesce'])}(${e(tt())}, ${e(tt())}${r() < 0.3 ? `, ${e(tt())}` : ''})`,
      () => `nullif(${e(tt())}, ${e(tt())})`,
      () => `if(${e('bool')}, ${e(tt())}, ${e(tt())})`,
      () => `case when ${e('bool')} then ${e(tt())} ${r() < 0.5 ? `when ${e('bool')} then ${e(tt())} ` : ''}${r() < 0.7 ? `else ${e(tt())} ` : ''}end`,
    );
    if (type === 'float') choices.push(() => `(${e(num())} / ${e(num())})`);
    if (type === 'int') choices.push(() => `length(${e('string')})`);
  } else if (type === 'string') {
    choices.push(
      () => `(${e('string')} || ${e('string')})`,
      () => `${pick(r, ['lower', 'upper'])}(${e('string')})`,
      () => `coalesce(${e('string')}, ${e('string')})`,
      () => `${pick(r, ['least', 'greatest'])}(${e('string')}, ${e('string')})`,
      () => `if(${e('bool')}, ${e('string')}, ${e('string')})`,
    );
  } else {
    choices.push(
      () => {
        const t = any();
        return `(${e(t)} ${pick(r, ['=', '<>', '!=', '<', '<=', '>', '>='])} ${e(t === 'int' ? num() : t)})`;
      },
      () => `(${e('bool')} ${pick(r, ['and', 'or', 'AND', 'Or'])} ${e('bool')})`,
      () => `not ${e('bool')}`,
      () => `${e(any())} is ${r() < 0.5 ? 'not ' : ''}null`,
      () => `coalesce(${e('bool')}, ${e('bool')})`,
    );
  }
  return pick(r, choices)();
}

function same(a: OdValue, b: OdValue): boolean {
  if (typeof a === 'number' && typeof b === 'number') return (Number.isNaN(a) && Number.isNaN(b)) || a === b;
  return a === b;
}

describe('on-demand expressions: DuckDB SQL and the JS evaluator', () => {
  let instance: DuckDBInstance;
  const rows: Array<Record<string, OdValue>> = [];
  const columns: OdValue[][] = NAMES.map(() => []);

  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    const r = rng(8);
    for (let i = 0; i < 60; i++) {
      const row = Object.fromEntries(NAMES.map((n) => [n, randomValue(r, COLUMNS[n] as Exclude<ExprType, 'null'>)]));
      rows.push(row);
      NAMES.forEach((n, j) => (columns[j] as OdValue[]).push(row[n] as OdValue));
    }
  });
  afterAll(() => instance.closeSync());

  const sqlValue = (v: OdValue, type: Exclude<ExprType, 'null'>): string => {
    if (v === null) return `NULL::${SQL_TYPES[type]}`;
    if (typeof v === 'string') return `'${v.replaceAll("'", "''")}'`;
    if (typeof v === 'number' && type === 'float') return `'${Object.is(v, -0) ? '-0.0' : String(v)}'::DOUBLE`;
    return `${String(v)}::${SQL_TYPES[type]}`;
  };

  it('agree on every row for 600 random expressions of every type', async () => {
    const r = rng(2024);
    const exprs: Array<{ text: string; sql: string; js: ReturnType<typeof compileToJs> }> = [];
    while (exprs.length < 600) {
      const text = randomExpr(r, pick(r, ['int', 'float', 'string', 'bool'] as const), 3);
      let typed;
      try {
        typed = compileExpression(text, (name) => COLUMNS[name]);
      } catch {
        continue; // e.g. a comparison of int with string: the checker refuses it, which is the point
      }
      exprs.push({ text, sql: compileToSql(typed, ident), js: compileToJs(typed, (n) => NAMES.indexOf(n)) });
    }
    const values = rows.map((row, i) => `(${i}, ${NAMES.map((n) => sqlValue(row[n] as OdValue, COLUMNS[n] as Exclude<ExprType, 'null'>)).join(', ')})`);
    const conn = await instance.connect();
    try {
      await conn.run(`CREATE TABLE t AS SELECT * FROM (VALUES ${values.join(', ')}) v(__row, ${NAMES.join(', ')})`);
      let compared = 0;
      for (let start = 0; start < exprs.length; start += 50) {
        const batch = exprs.slice(start, start + 50);
        const select = batch.map((e, k) => `${e.sql} AS e${k}`).join(', ');
        const result = await conn.runAndReadAll(`SELECT ${select} FROM t ORDER BY __row`);
        const out = result.getRowObjectsJS();
        batch.forEach((e, k) => {
          out.forEach((row, i) => {
            const raw = row[`e${k}`];
            const sqlResult = typeof raw === 'bigint' ? Number(raw) : (raw as OdValue);
            const jsResult = e.js(columns, i);
            if (!same(sqlResult, jsResult)) {
              expect.fail(`${e.text} on row ${JSON.stringify(rows[i])}: DuckDB ${String(sqlResult)}, JS ${String(jsResult)}\nSQL: ${e.sql}`);
            }
            compared++;
          });
        });
      }
      expect(compared).toBe(600 * rows.length);
    } finally {
      conn.closeSync();
    }
  });
});
