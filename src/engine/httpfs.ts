/**
 * Loading DuckDB's httpfs extension (S3 and HTTP files) without DuckDB's download: from FEATUREFLOW_DUCKDB_HTTPFS
 * (the extension file, or a folder holding it), else from the copy `node scripts/setup.mjs` installs from PyPI
 * (`duckdb-extension-httpfs`, built per DuckDB version) into .tools/venv, else from DuckDB's own extension folder,
 * where `INSTALL httpfs` puts it on a machine with internet access.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { literal } from './sql.js';

const FILE_NAME = 'httpfs.duckdb_extension';
// src/engine (or dist/engine) -> the package root.
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The extension file for DuckDB `version` (`v1.5.5`), or undefined to load DuckDB's installed one by name. */
export function httpfsExtensionFile(version: string, env: Record<string, string | undefined> = process.env, root = PACKAGE_ROOT): string | undefined {
  const override = env.FEATUREFLOW_DUCKDB_HTTPFS;
  if (override) return existsSync(override) && statSync(override).isDirectory() ? path.join(override, FILE_NAME) : override;
  const lib = path.join(root, '.tools', 'venv', 'lib');
  if (!existsSync(lib)) return undefined;
  for (const python of readdirSync(lib)) {
    const file = path.join(lib, python, 'site-packages', 'duckdb_extension_httpfs', 'extensions', version, FILE_NAME);
    if (existsSync(file)) return file;
  }
  return undefined;
}

export class HttpfsUnavailableError extends Error {}

/** Loads httpfs on `conn`'s instance; the error says where it looked and how to get it. */
export async function loadHttpfs(conn: DuckDBConnection): Promise<void> {
  const version = String((await conn.runAndReadAll('SELECT version()')).getRowsJS()[0]?.[0] ?? '');
  const file = httpfsExtensionFile(version);
  try {
    await conn.run(file ? `LOAD ${literal(file)}` : 'LOAD httpfs');
  } catch (err) {
    throw new HttpfsUnavailableError(
      `DuckDB's httpfs extension (DuckDB ${version}) could not be loaded${file ? ` from ${file}` : ''}: ${(err as Error).message}. ` +
        `Run \`node scripts/setup.mjs\` (installs duckdb-extension-httpfs==${version.replace(/^v/, '')} from PyPI), or on a machine ` +
        `with internet access run \`INSTALL httpfs\` once in DuckDB ${version}, or set FEATUREFLOW_DUCKDB_HTTPFS to the extension file`,
    );
  }
}
