/**
 * The training side of the expression language: a checked tree as a DuckDB expression. Every operation is
 * parenthesised and typed explicitly (integers as BIGINT, floats as DOUBLE, float literals parsed from their text
 * rather than read as DECIMAL), so DuckDB computes exactly what the JS evaluator computes when serving.
 */
import type { ExprType, Typed } from '../registry/expression/ast.js';
import { literal } from './sql.js';

const SQL_TYPE: Record<Exclude<ExprType, 'null'>, string> = { int: 'BIGINT', float: 'DOUBLE', string: 'VARCHAR', bool: 'BOOLEAN' };

const cast = (sql: string, type: ExprType): string => (type === 'null' ? sql : `CAST(${sql} AS ${SQL_TYPE[type]})`);

/** `columnSql(name)` is the SQL reading input column `name` (already quoted). */
export function compileToSql(expr: Typed, columnSql: (name: string) => string): string {
  const sub = (e: Typed): string => compileToSql(e, columnSql);
  switch (expr.kind) {
    case 'int':
      return `CAST(${expr.value} AS BIGINT)`;
    case 'float':
      return `CAST(${literal(expr.text)} AS DOUBLE)`;
    case 'string':
      return literal(expr.value);
    case 'bool':
      return expr.value ? 'TRUE' : 'FALSE';
    case 'null':
      return 'NULL';
    case 'column':
      // Widened on read: int32 + int32 would overflow at 2^31 and float32 arithmetic would round to single.
      return cast(columnSql(expr.name), expr.type);
    case 'neg':
      return `(- ${sub(expr.arg as Typed)})`;
    case 'not':
      return `(NOT ${sub(expr.arg as Typed)})`;
    case 'isNull':
      return `(${sub(expr.arg as Typed)} IS ${expr.negated ? 'NOT ' : ''}NULL)`;
    case 'binary': {
      const left = sub(expr.left as Typed);
      const right = sub(expr.right as Typed);
      if (expr.op === '/') return `(CAST(${left} AS DOUBLE) / CAST(${right} AS DOUBLE))`;
      return `(${left} ${expr.op.toUpperCase()} ${right})`;
    }
    case 'case': {
      const whens = expr.whens.map((w) => `WHEN ${sub(w.when as Typed)} THEN ${sub(w.then as Typed)}`).join(' ');
      const otherwise = expr.otherwise === undefined ? '' : ` ELSE ${sub(expr.otherwise as Typed)}`;
      return `(CASE ${whens}${otherwise} END)`;
    }
    case 'call': {
      const args = expr.args.map((a) => sub(a as Typed));
      if (expr.fn === 'if') return `(CASE WHEN ${args[0]} THEN ${args[1]} ELSE ${args[2]} END)`;
      if (expr.fn === 'round' && expr.args[1] !== undefined) return `round(${args[0]}, ${(expr.args[1] as { value: number }).value})`;
      return `${expr.fn}(${args.join(', ')})`;
    }
  }
}
