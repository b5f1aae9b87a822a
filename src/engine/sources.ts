/**
 * Turns a repo source into a DuckDB relation (SQL text usable after FROM). Paths and names are quoted by sql.ts;
 * `sql` sources expand `{other}` placeholders into the other sources' relations; `push` sources read their batch
 * source UNION ALL the rows pushed to them (pushed-files.ts).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { pathRefusal } from '../registry/data-paths.js';
import { resolveRepoPath } from '../registry/load.js';
import type { PushSource, Source, SqlSource, StreamSource } from '../registry/schema.js';
import type { EngineContext } from './context.js';
import { ATTACHED_CATALOG } from './database.js';
import { SourceError, sourceReadProblem } from './errors.js';
import { asSubquery } from './sql-guard.js';
import { ident, literal, literalList, qualifiedIdent } from './sql.js';

const PLACEHOLDER_RE = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const TRANSFORM_PLACEHOLDER = '{source}';

/** Names of the other sources a sql source's `{name}` placeholders stand for. */
export function placeholderNames(query: string): string[] {
  return [...query.matchAll(PLACEHOLDER_RE)].map((m) => m[1] as string);
}

export function findSource(ctx: EngineContext, name: string): Source {
  const source = ctx.repo.sources.find((s) => s.name === name);
  if (!source) throw new SourceError(`unknown source "${name}"`);
  return source;
}

function fileFormat(source: Extract<Source, { type: 'file' }>): 'csv' | 'parquet' {
  if (source.format) return source.format;
  return /\.(csv|tsv|txt)(\.gz)?$/i.test(source.path) ? 'csv' : 'parquet';
}

/** Relation for a file path or glob given outside a repo (entity tables from the CLI). */
/** The format a file is read as: the one given, else CSV for .csv/.tsv/.txt (optionally gzipped), else Parquet. */
export function fileFormatOf(filePath: string, format?: 'csv' | 'parquet'): 'csv' | 'parquet' {
  return format ?? (/\.(csv|tsv|txt)(\.gz)?$/i.test(filePath) ? 'csv' : 'parquet');
}

export function fileRelation(filePath: string, format?: 'csv' | 'parquet'): string {
  return fileFormatOf(filePath, format) === 'csv'
    ? `read_csv(${literal(filePath)}, auto_detect = true)`
    : `read_parquet(${literal(filePath)})`;
}

export function tableRelation(ctx: EngineContext, table: string): string {
  const name = qualifiedIdent(table);
  return ctx.db.attached && !table.includes('.') ? `${ident(ATTACHED_CATALOG)}.${name}` : name;
}

export function sourceRelation(ctx: EngineContext, name: string, expanding: readonly string[] = []): string {
  if (expanding.includes(name)) {
    throw new SourceError(`sql sources refer to each other in a cycle: ${[...expanding, name].join(' -> ')}`);
  }
  const source = findSource(ctx, name);
  switch (source.type) {
    case 'file': {
      // Also checked when the repo is loaded; here for contexts built any other way. DuckDB enforces it too.
      const refusal = pathRefusal(ctx.repo, ctx.repoDir, source.path);
      if (refusal) throw new SourceError(`source "${name}": ${refusal}`);
      return fileRelation(resolveRepoPath(ctx.repoDir, source.path), fileFormat(source));
    }
    case 'table':
      return tableRelation(ctx, source.table);
    case 'sql':
      return asSubquery(sqlSourceQuery(ctx, source, expanding));
    case 'push':
      return pushRelation(ctx, source, [...expanding, name]);
    case 'stream':
      // Offline, a stream is its batch source: the same events under the stream's timestamp field.
      return `(${batchRows(ctx, source, [...expanding, name])})`;
  }
}

/** A sql source's query with its placeholders expanded: the text sql-guard.ts checks and the engine runs. */
export function sqlSourceQuery(ctx: EngineContext, source: SqlSource, expanding: readonly string[] = []): string {
  return source.query.replace(PLACEHOLDER_RE, (_m, other: string) => {
    return `(SELECT * FROM ${sourceRelation(ctx, other, [...expanding, source.name])})`;
  });
}

/** A transform's query with `{source}` expanded into the view's source relation. */
export function transformQuery(sql: string, sourceRel: string): string {
  return sql.replaceAll(TRANSFORM_PLACEHOLDER, `(SELECT * FROM ${sourceRel})`);
}

/**
 * The batch source's rows with its timestamp columns under the push source's names, then the pushed files matched
 * by column name: a column one side lacks reads as NULL (pushed files hold only the views' columns, and files
 * pushed before a view gained a feature lack it).
 */
function pushRelation(ctx: EngineContext, source: PushSource, expanding: readonly string[]): string {
  const base = batchRows(ctx, source, expanding);
  const files = ctx.offline.pushedFiles(source.name);
  if (files.length === 0) return `(${base})`;
  return `((${base}) UNION ALL BY NAME (SELECT * FROM read_parquet(${literalList(files)}, union_by_name = true)))`;
}

/** The batch source's rows with its timestamp columns under the push or stream source's names. */
function batchRows(ctx: EngineContext, source: PushSource | StreamSource, expanding: readonly string[]): string {
  const batch = findSource(ctx, source.batchSource);
  const renamed = [batch.timestampField, ...(batch.createdTimestampField ? [batch.createdTimestampField] : [])];
  const columns = [`CAST(${ident(batch.timestampField)} AS TIMESTAMPTZ) AS ${ident(source.timestampField)}`];
  if (source.createdTimestampField) {
    const created = batch.createdTimestampField ? `CAST(${ident(batch.createdTimestampField)} AS TIMESTAMPTZ)` : 'NULL::TIMESTAMPTZ';
    columns.push(`${created} AS ${ident(source.createdTimestampField)}`);
  }
  return `SELECT * EXCLUDE (${renamed.map(ident).join(', ')}), ${columns.join(', ')} FROM ${sourceRelation(ctx, batch.name, expanding)}`;
}

/** Column names of a source, asking DuckDB (reads only the file footer or the first rows). */
export async function describeRelation(conn: DuckDBConnection, relation: string): Promise<Map<string, string>> {
  const reader = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`);
  const columns = new Map<string, string>();
  for (const row of reader.getRowObjectsJS()) columns.set(String(row['column_name']), String(row['column_type']));
  return columns;
}

export async function describeSource(ctx: EngineContext, name: string): Promise<Map<string, string>> {
  return ctx.db.withConnection(async (conn) => {
    try {
      return await describeRelation(conn, sourceRelation(ctx, name));
    } catch (err) {
      if (err instanceof SourceError) throw err;
      throw new SourceError(`cannot read source "${name}"${sourcePathNote(ctx, name)}: ${sourceReadProblem(err)}`, { cause: err });
    }
  });
}

/** ` (file data/x.csv)` for a file source, so a read error names the path without quoting the file. */
export function sourcePathNote(ctx: EngineContext, name: string): string {
  const source = ctx.repo.sources.find((s) => s.name === name);
  return source?.type === 'file' ? ` (file ${source.path})` : '';
}
