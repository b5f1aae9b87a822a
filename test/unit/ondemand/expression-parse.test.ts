/** The expression parser and checker: what they accept, and problems pointing at the right character. */
import { describe, expect, it } from 'vitest';
import { ExpressionProblem } from '../../../src/registry/expression/ast.js';
import { columnsOf, compileExpression } from '../../../src/registry/expression/check.js';
import { parseExpression } from '../../../src/registry/expression/parser.js';

const COLUMNS = { a: 'int', x: 'float', s: 'string', b: 'bool' } as const;
const check = (text: string) => compileExpression(text, (n) => COLUMNS[n as keyof typeof COLUMNS]);

function problem(text: string): { message: string; pos: number } {
  try {
    check(text);
  } catch (err) {
    if (err instanceof ExpressionProblem) return { message: err.message, pos: err.pos };
    throw err;
  }
  throw new Error(`${text} was accepted`);
}

describe('on-demand expression parser', () => {
  it('binds AND tighter than OR and * tighter than +, with case-insensitive keywords', () => {
    const e = parseExpression('a + a * 2 > 3 OR b AnD NOT b');
    expect(e).toMatchObject({ kind: 'binary', op: 'or', left: { op: '>', left: { op: '+', right: { op: '*' } } }, right: { op: 'and', right: { kind: 'not' } } });
  });

  it('types expressions: int op int is int, / is float, comparisons are bool', () => {
    expect(check('a + 1').type).toBe('int');
    expect(check('a / 2').type).toBe('float');
    expect(check('a + x').type).toBe('float');
    expect(check("s || 'x' = 'y'").type).toBe('bool');
    expect(check('coalesce(null, a, x)').type).toBe('float');
    expect(check('case when b then a end').type).toBe('int');
    expect(columnsOf(parseExpression('if(b, a, a + x)'))).toEqual(['b', 'a', 'x']);
  });

  it('reads SQL string literals with doubled quotes', () => {
    expect(parseExpression("'it''s'")).toMatchObject({ kind: 'string', value: "it's" });
  });

  it('points at the offending character', () => {
    expect(problem('a +* 2')).toEqual({ message: 'expected a value, a column, a function call or "(", found "*"', pos: 3 });
    expect(problem('a < x < 3').pos).toBe(6);
    expect(problem('"name"').message).toMatch(/strings are written in single quotes/);
    expect(problem('sqrt(x)')).toEqual({ message: expect.stringMatching(/^unknown function "sqrt"/), pos: 0 });
    expect(problem('nullif(a)').message).toBe('nullif takes 2 arguments, not 1');
    expect(problem("'open").message).toBe('unterminated string literal');
    expect(problem('a = s')).toEqual({ message: 'the operands of = mix int and string', pos: 2 });
    expect(problem('round(x, a)').message).toMatch(/digits of round must be a whole number/);
    expect(problem('99999999999999999').message).toMatch(/beyond 2\^53/);
    expect(problem('(a + 1').message).toBe('expected ")" to close "(", found the end of the expression');
    expect(problem('case when a then 1 end').message).toBe('a WHEN condition must be bool, not int');
  });
});
