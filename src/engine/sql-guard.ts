/**
 * The parser-based check on SQL text a repo supplies (sql source queries, transforms, aggregation columns and
 * filters): a query must be exactly one SELECT (or WITH ... SELECT, or a UNION of SELECTs) and an expression
 * exactly one expression. The decision is DuckDB's own parser's (json_serialize_sql serialises only SELECT
 * statements and reports the statements it found), never a regex, so what is checked is what DuckDB would run.
 * The checks run on a separate in-memory DuckDB that can reach no file and whose configuration is locked, so even
 * the statements it is asked to describe (prepared, never run) can do nothing.
 */
import { DuckDBInstance, StatementType, type DuckDBConnection } from '@duckdb/node-api';
import { z } from 'zod';
import { FeatureflowError } from '../registry/errors.js';

/** Repo SQL that is not one SELECT (or one expression): never retryable, the repo must change. */
export class UnsafeSqlError extends FeatureflowError {
  constructor(what: string, expected: string, found: string) {
    super('UNSAFE_SQL', `${what} must be ${expected}; found ${found}`);
  }
}

const ONE_QUERY = 'exactly one SELECT statement (or WITH ... SELECT)';
const ONE_EXPRESSION = 'exactly one SQL expression';
/** A function name no repo uses: the expression check wraps the text in a call to it and finds that call again. */
const MARK = '__ff_guard_expression';
/** Query nodes a SELECT statement's top can be: a plain SELECT, a set operation (UNION ...), a CTE. */
const QUERY_NODES = new Set(['SELECT_NODE', 'SET_OPERATION_NODE', 'CTE_NODE', 'RECURSIVE_CTE_NODE']);

const Node = z.looseObject({ type: z.string() });
const Serialized = z.union([
  z.looseObject({ error: z.literal(true), error_type: z.string().optional(), error_message: z.string() }),
  z.looseObject({ error: z.literal(false), statements: z.array(z.looseObject({ node: Node })) }),
]);
type Serialized = z.infer<typeof Serialized>;

let guard: Promise<DuckDBInstance> | undefined;

function guardInstance(): Promise<DuckDBInstance> {
  guard ??= DuckDBInstance.create(':memory:', {
    threads: '1',
    memory_limit: '64MB',
    enable_external_access: 'false',
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    lock_configuration: 'true',
  });
  return guard;
}

async function withGuard<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  const conn = await (await guardInstance()).connect();
  try {
    return await fn(conn);
  } finally {
    conn.closeSync();
  }
}

async function serialize(conn: DuckDBConnection, sql: string): Promise<Serialized> {
  const reader = await conn.runAndReadAll('SELECT json_serialize_sql(?::VARCHAR) AS j', [sql]);
  return Serialized.parse(JSON.parse(String(reader.getRowObjectsJS()[0]?.['j'])));
}

/** The form a query is spliced in (sources.ts, transform-sql.ts): its own lines, so a trailing comment ends there. */
export function asSubquery(query: string): string {
  return `(\n${query}\n)`;
}

/** Throws UnsafeSqlError unless `query` is one SELECT that also stays one SELECT when placed in parentheses. */
export async function checkSelectQuery(query: string, what: string): Promise<void> {
  await withGuard(async (conn) => {
    const parsed = await serialize(conn, query);
    if (!parsed.error && parsed.statements.length === 1 && QUERY_NODES.has(parsed.statements[0]?.node.type ?? '')) {
      const wrapped = await serialize(conn, `SELECT * FROM ${asSubquery(query)}`);
      if (!wrapped.error && wrapped.statements.length === 1) return;
      const reason = wrapped.error ? wrapped.error_message : `${wrapped.statements.length} statements`;
      throw new UnsafeSqlError(what, ONE_QUERY, `text that breaks once used as a subquery (${reason}); remove any trailing ";"`);
    }
    throw new UnsafeSqlError(what, ONE_QUERY, await describeFound(conn, query, parsed));
  });
}

/** What the parser found instead of one SELECT, in words: "2 statements", "an ATTACH statement", a syntax error. */
async function describeFound(conn: DuckDBConnection, query: string, parsed: Serialized): Promise<string> {
  if (!parsed.error) {
    const n = parsed.statements.length;
    return n === 0 ? 'no statement' : n > 1 ? `${n} statements` : `a ${parsed.statements[0]?.node.type} query`;
  }
  if (parsed.error_type === 'parser') {
    // Text made to close the parenthesis it is spliced into is a syntax error alone; say what it becomes there.
    const inContext = await statementKinds(conn, `SELECT * FROM ${asSubquery(query)}`);
    const breakout = inContext && inContext.length > 1 ? `; placed in parentheses it reads as ${inContext.length} statements (${inContext.join(', ')})` : '';
    return `a syntax error (${parsed.error_message})${breakout}`;
  }
  const kinds = await statementKinds(conn, query);
  if (!kinds || kinds.length === 0) return 'a statement that is not a SELECT';
  return kinds.length === 1 ? `${article(kinds[0] as string)} ${kinds[0]} statement` : `${kinds.length} statements (${kinds.join(', ')})`;
}

function article(word: string): string {
  return /^[AEIOU]/i.test(word) ? 'an' : 'a';
}

/**
 * Each statement's type as DuckDB names it (SELECT, COPY, ATTACH, LOAD, ...), for messages only. Preparing binds
 * but never runs, and the guard instance can reach nothing; a statement it cannot bind is "not a SELECT".
 */
async function statementKinds(conn: DuckDBConnection, sql: string): Promise<string[] | undefined> {
  let extracted;
  try {
    extracted = await conn.extractStatements(sql);
  } catch {
    return undefined;
  }
  const kinds: string[] = [];
  for (let i = 0; i < extracted.count; i++) {
    try {
      const prepared = await extracted.prepare(i);
      kinds.push(StatementType[prepared.statementType] ?? 'unknown');
      prepared.destroySync();
    } catch (err) {
      kinds.push(refusedKind(err));
    }
  }
  return kinds;
}

/** DuckDB refuses to bind COPY/EXPORT to a file the guard cannot reach: still name what was attempted. */
function refusedKind(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return /^Permission Error/.test(message) ? 'file-accessing (COPY/EXPORT)' : 'non-SELECT';
}

/**
 * Throws UnsafeSqlError unless `text` is exactly one expression. It is parsed as the only argument of a call to a
 * marker function: if the text closed that parenthesis (`x) FROM t WHERE (1`), the statement would no longer be
 * one SELECT of one item that is the marker call with one argument, the marker appearing nowhere else.
 */
export async function checkExpression(text: string, what: string): Promise<void> {
  await withGuard(async (conn) => {
    const parsed = await serialize(conn, `SELECT ${MARK}(\n${text}\n)`);
    if (parsed.error) throw new UnsafeSqlError(what, ONE_EXPRESSION, `a syntax error (${parsed.error_message})`);
    const problem = expressionProblem(parsed.statements);
    if (problem) throw new UnsafeSqlError(what, ONE_EXPRESSION, problem);
  });
}

function expressionProblem(statements: ReadonlyArray<{ node: z.infer<typeof Node> }>): string | undefined {
  if (statements.length !== 1) return `${statements.length} statements`;
  const node = statements[0]?.node as Record<string, unknown>;
  if (node['type'] !== 'SELECT_NODE') return 'text that turns the expression into a different query';
  const selectList = Array.isArray(node['select_list']) ? (node['select_list'] as unknown[]) : [];
  const from = node['from_table'] as { type?: unknown } | undefined;
  const ctes = (node['cte_map'] as { map?: unknown[] } | undefined)?.map?.length ?? 0;
  const clauses = [
    selectList.length !== 1 && 'more than one select item',
    from?.type !== 'EMPTY' && 'a FROM clause',
    node['where_clause'] != null && 'a WHERE clause',
    node['having'] != null && 'a HAVING clause',
    node['qualify'] != null && 'a QUALIFY clause',
    node['sample'] != null && 'a SAMPLE clause',
    (node['group_expressions'] as unknown[] | undefined)?.length && 'a GROUP BY clause',
    (node['modifiers'] as unknown[] | undefined)?.length && 'ORDER BY/LIMIT/DISTINCT',
    ctes > 0 && 'a WITH clause',
  ].filter((c): c is string => typeof c === 'string');
  if (clauses.length > 0) return `text that closes its parenthesis and adds ${clauses.join(', ')}`;
  const item = selectList[0] as Record<string, unknown>;
  const children = Array.isArray(item['children']) ? item['children'] : [];
  if (item['class'] === 'FUNCTION' && String(item['function_name']).toLowerCase() === MARK && children.length === 0) return 'no expression';
  if (item['class'] !== 'FUNCTION' || String(item['function_name']).toLowerCase() !== MARK || children.length !== 1) {
    return 'text that closes its parenthesis (it is more than one expression)';
  }
  if (countMarks(node) !== 1) return 'text that closes its parenthesis (it is more than one expression)';
  return undefined;
}

function countMarks(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + countMarks(v), 0);
  if (typeof value !== 'object' || value === null) return 0;
  const record = value as Record<string, unknown>;
  const self = typeof record['function_name'] === 'string' && record['function_name'].toLowerCase() === MARK ? 1 : 0;
  return Object.values(record).reduce((n: number, v) => n + countMarks(v), self);
}
