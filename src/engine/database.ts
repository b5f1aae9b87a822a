/**
 * One DuckDB instance per engine, configured so large joins spill to disk instead of failing (PITFALLS: ASOF
 * memory grows with the build side) and so every timestamp is read and written as a UTC instant.
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { HttpfsUnavailableError, loadHttpfs } from './httpfs.js';
import { duckdbSecretSql, type S3Settings } from './s3-settings.js';
import { SourceError } from './errors.js';
import { ident, literal, literalList } from './sql.js';

export interface DatabaseOptions {
  /** Worker threads for DuckDB; defaults to the machine's cores. */
  threads?: number;
  /** e.g. `4GB`; defaults to 60% of RAM, leaving room for Node and the OS. */
  memoryLimit?: string;
  /** Where joins spill; defaults to a folder under the OS temp dir. */
  tempDirectory?: string;
  /** A DuckDB file holding `table` sources, attached read-only as `offline`. */
  attach?: string;
  /**
   * The only files this instance may reach once open (see lockDown); the temp directory is added. Without it the
   * instance can reach every file: only for SQL Featureflow writes itself (demo data, tests), never repo SQL.
   */
  access?: FileAccess;
  /**
   * Remote files (S3, HTTP): httpfs is loaded and an S3 secret made before the lock. `required` when the offline
   * store itself is remote: then a missing extension stops the engine; for remote sources alone it is best effort,
   * so everything local (and `plan --skip-data-check`) keeps working and only the remote read fails.
   */
  remote?: { s3: S3Settings; required: boolean };
}

/** What an engine may read and write: folders (with everything under them), single files, remote prefixes. */
export interface FileAccess {
  directories: readonly string[];
  files: readonly string[];
  /** `s3://bucket/prefix/` and the like, read through httpfs (loaded before the lock, as nothing loads after). */
  remote?: readonly string[];
}

export const ATTACHED_CATALOG = 'offline';
const SESSION_SETTINGS = ['preserve_insertion_order'];

/**
 * Lets DuckDB reorder rows on `conn` alone (parallel joins, writes and aggregations), for work whose row order
 * carries no meaning or is restored by an ORDER BY. SESSION: a plain SET of this option changes the whole instance,
 * and every later query on every connection (entity rows numbered in scan order among them) would lose its order.
 */
export async function allowReordering(conn: DuckDBConnection): Promise<void> {
  await conn.run('SET SESSION preserve_insertion_order = false');
}

export class Database {
  private constructor(
    readonly instance: DuckDBInstance,
    readonly attached: boolean,
    /** As opened, so an engine can be reopened with more paths (engine/access.ts). */
    readonly options: DatabaseOptions,
    /** Where DuckDB spills; the engine may always write here (staging.ts passes files through it). */
    readonly tempDirectory: string,
  ) {}

  static async open(options: DatabaseOptions = {}): Promise<Database> {
    const tempDirectory = options.tempDirectory ?? path.join(os.tmpdir(), `featureflow-duckdb-${process.pid}`);
    mkdirSync(tempDirectory, { recursive: true });
    const memoryLimit = options.memoryLimit ?? `${Math.floor((os.totalmem() * 0.6) / 2 ** 20)}MB`;
    const instance = await DuckDBInstance.create(':memory:', {
      threads: String(options.threads ?? os.availableParallelism()),
      memory_limit: memoryLimit,
      temp_directory: tempDirectory,
    });
    const db = new Database(instance, options.attach !== undefined, options, tempDirectory);
    // Set after start-up: the TimeZone option needs the icu extension, which loads only once the instance runs.
    await db.withConnection((conn) => conn.run(`SET GLOBAL TimeZone = 'UTC'`));
    if (options.attach !== undefined) {
      await db.withConnection((conn) =>
        conn.run(`ATTACH ${literal(options.attach as string)} AS ${ident(ATTACHED_CATALOG)} (READ_ONLY)`),
      );
    }
    if (options.remote) {
      try {
        await db.withConnection((conn) => prepareRemote(conn, options.remote as NonNullable<DatabaseOptions['remote']>));
      } catch (err) {
        db.close();
        throw err;
      }
    }
    if (options.access) {
      try {
        await db.withConnection((conn) => lockDown(conn, options.access as FileAccess, tempDirectory));
      } catch (err) {
        db.close();
        throw err;
      }
    }
    return db;
  }

  async connect(): Promise<DuckDBConnection> {
    return this.instance.connect();
  }

  /** Runs `fn` on a fresh connection and always closes it, whatever `fn` does. */
  async withConnection<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const conn = await this.instance.connect();
    try {
      return await fn(conn);
    } finally {
      conn.closeSync();
    }
  }

  close(): void {
    this.instance.closeSync();
  }
}

/** A folder as DuckDB's allowed_directories wants it: a prefix ending in a separator, so `/a` does not allow `/ab`. */
function asDirectoryPrefix(dir: string): string {
  return dir.endsWith('/') || dir.endsWith(path.sep) ? dir : `${dir}${path.sep}`;
}

/**
 * Limits the instance to `access` and locks the configuration, so repo SQL cannot read or write other files,
 * ATTACH, INSTALL or LOAD, or SET any of this back (DuckDB: "Securing DuckDB"). Everything an engine needs that
 * an extension provides must be loaded before this: the icu extension (TimeZone, set above) and, for remote
 * files, httpfs (prepareRemote); autoloading is off afterwards.
 */
async function lockDown(conn: DuckDBConnection, access: FileAccess, tempDirectory: string): Promise<void> {
  const directories = [...access.directories, tempDirectory].map(asDirectoryPrefix);
  await conn.run(`SET GLOBAL allowed_directories = ${literalList([...directories, ...(access.remote ?? [])])}`);
  await conn.run(`SET GLOBAL allowed_paths = ${literalList(access.files)}`);
  await conn.run('SET GLOBAL autoinstall_known_extensions = false');
  await conn.run('SET GLOBAL autoload_known_extensions = false');
  await conn.run('SET GLOBAL enable_external_access = false');
  // The one setting the engine changes per connection (row order where it carries no meaning); repo SQL cannot SET.
  await conn.run(`SET GLOBAL allowed_configs = ${literalList(SESSION_SETTINGS)}`);
  await conn.run('SET GLOBAL lock_configuration = true');
}

async function prepareRemote(conn: DuckDBConnection, remote: NonNullable<DatabaseOptions['remote']>): Promise<void> {
  try {
    await loadHttpfs(conn);
  } catch (err) {
    if (!remote.required && err instanceof HttpfsUnavailableError) return;
    throw new SourceError((err as Error).message, { cause: err });
  }
  await conn.run(duckdbSecretSql(remote.s3));
}
