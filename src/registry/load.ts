/**
 * Finding and reading a repo config. TypeScript configs run through tsx so users need no build step; JSON configs
 * are parsed as they are. Either way the result goes through the same validation.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FeatureflowError, ValidationError } from './errors.js';
import type { Repo } from './schema.js';
import { validateRepo, type DescribeSource } from './validate.js';

/** Looked for, in this order, when no config is named (and inside a folder named by --config). */
export const DEFAULT_CONFIG_FILES = ['featureflow.config.ts', 'featureflow.json'] as const;
const MODULE_EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs']);

export interface LoadOptions {
  /** Folder a relative config path (and the default lookup) starts from; defaults to process.cwd(). */
  cwd?: string;
  /** Also checks each plain view's columns against its source (the engine passes one backed by DuckDB). */
  describeSource?: DescribeSource;
}

export interface LoadedRepo {
  repo: Repo;
  /** Folder holding the config; relative paths in the repo are relative to it (see resolveRepoPath). */
  repoDir: string;
  /** Absolute path of the config file read. */
  configPath: string;
}

/** Reads and validates a repo; every problem is reported at once in a ValidationError. */
export async function loadRepo(configPath?: string, options: LoadOptions = {}): Promise<LoadedRepo> {
  const cwd = options.cwd ?? process.cwd();
  // One place for the default, so every command, the worker and the API read the same repo in a deployment.
  const file = await findConfig(configPath ?? (process.env.FEATUREFLOW_CONFIG || undefined), cwd);
  const repoDir = path.dirname(file);
  const input = await readRepoInput(file);
  const repo = await validateRepo(input, {
    file: path.relative(cwd, file) || file,
    repoDir,
    ...(options.describeSource ? { describeSource: options.describeSource } : {}),
  });
  return { repo, repoDir, configPath: file };
}

/**
 * The entry point commands use: the same as loadRepo, named for call sites that inject a `describeSource` so the
 * repo is also checked against the data.
 */
export function loadValidatedRepo(configPath: string | undefined, options: LoadOptions = {}): Promise<LoadedRepo> {
  return loadRepo(configPath, options);
}

/** Absolute path of the config to read: the one named (a file, or a folder holding a default name) or a default. */
export async function findConfig(configPath: string | undefined, cwd: string = process.cwd()): Promise<string> {
  const named = configPath === undefined ? undefined : path.resolve(cwd, configPath);
  const kind = named === undefined ? undefined : await fileKind(named);
  if (named !== undefined && kind === 'file') return named;
  if (named !== undefined && kind === undefined) {
    throw new FeatureflowError('CONFIG_NOT_FOUND', `repo config ${named} does not exist`);
  }
  const dir = named ?? cwd;
  const candidates = DEFAULT_CONFIG_FILES.map((name) => path.join(dir, name));
  for (const candidate of candidates) {
    if ((await fileKind(candidate)) === 'file') return candidate;
  }
  throw new FeatureflowError(
    'CONFIG_NOT_FOUND',
    `no repo config found: tried ${candidates.join(' and ')} (name one with --config FILE)`,
  );
}

async function fileKind(p: string): Promise<'file' | 'dir' | undefined> {
  try {
    const info = await stat(p);
    return info.isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

/** The raw repo object a config file holds, before validation. */
export async function readRepoInput(file: string): Promise<unknown> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') return parseJsonConfig(file, await readFile(file, 'utf8'));
  if (MODULE_EXTENSIONS.has(ext)) return importConfigModule(file);
  throw new FeatureflowError(
    'CONFIG_UNSUPPORTED',
    `cannot read ${file}: a repo config is a .ts, .mts, .js, .mjs or .json file`,
  );
}

function parseJsonConfig(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    // Older Node versions only give an offset; a line and column is what an editor can jump to.
    const offset = /at position (\d+)/.exec(message);
    let where = '';
    if (offset && !/line \d+/.test(message)) {
      const before = text.slice(0, Number(offset[1])).split('\n');
      where = ` (line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1})`;
    }
    throw new ValidationError(`repo file ${file}`, [{ path: '', message: `not valid JSON: ${message}${where}` }]);
  }
}

async function importConfigModule(file: string): Promise<unknown> {
  // Imported lazily: JSON repos and the many modules that only need resolveRepoPath never pay for tsx.
  const { tsImport } = await import('tsx/esm/api');
  let mod: Record<string, unknown>;
  try {
    mod = (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
  } catch (err) {
    throw new FeatureflowError('CONFIG_LOAD_FAILED', `cannot load ${file}: ${(err as Error).message ?? String(err)}`, {
      cause: err,
    });
  }
  // Outside a `"type": "module"` package tsx compiles the config to CommonJS, and Node then hands over
  // module.exports (marked __esModule) as `default`; the config's own exports are inside it.
  const exports = isRecord(mod.default) && mod.default.__esModule === true ? mod.default : mod;
  const repo = exports.default ?? exports.repo;
  if (repo === undefined) {
    throw new ValidationError(`repo file ${file}`, [
      { path: '', message: 'the module exports no repo: use `export default defineProject({ ... })` or `export const repo = ...`' },
    ]);
  }
  return repo;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Resolves a path written in the repo (offline store path, database, file source) against the repo's folder.
 * Absolute paths and URLs (`s3://...`, `https://...`) are returned unchanged, since DuckDB reads those directly.
 */
export function resolveRepoPath(repoDir: string, p: string): string {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(p) || path.isAbsolute(p)) return p;
  return path.resolve(repoDir, p);
}
