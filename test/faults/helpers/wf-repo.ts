/**
 * A small feature repo on disk for the Temporal fault tests: generated events in Parquet and one computed view
 * (an aggregation), with one config per offline folder so an interrupted backfill and a reference run of the same
 * data can be compared folder against folder. The data size is a parameter: the worker-kill test wants a week of
 * dense events, the history-limits test ten years of a few events a day.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { computedViewDir } from '../../../src/engine/compute/index.js';
import { closeEngine, openEngine, type EngineContext } from '../../../src/engine/context.js';
import { Database } from '../../../src/engine/database.js';
import { offlinePath } from '../../../src/engine/offline/location.js';
import { literal } from '../../../src/engine/sql.js';
import { CREATED, TS, viewRows } from '../../../src/engine/view-rows.js';
import { findView, viewFeatures } from '../../../src/registry/features.js';
import { loadValidatedRepo } from '../../../src/registry/load.js';
import { cleanupPrefix, freshPrefix, redisUrl } from '../../helpers/redis.js';

export const VIEW = 'user_txn';
/** Where a repo folder keeps its events, relative to the folder. */
export const EVENTS_FILE = 'data/events.parquet';

export interface WfRepoOptions {
  /** First event time, ISO-8601 UTC. */
  dataStart: string;
  events: number;
  /** Seconds between consecutive events. */
  everySeconds: number;
  users: number;
  /** Aggregation cadence and windows of the view. */
  cadence: string;
  windows: string[];
}

/** What the offline store of one config holds for the view. */
export interface OfflineDigest {
  rows: number;
  /** sha256 over the view's rows sorted on every column (JSON of each row, one per line). */
  sha256: string;
  /** Rows minus distinct (user_id, event_timestamp): a row stored twice counts once here. */
  duplicates: number;
  /** Hidden temp files a killed writer left behind (readers ignore them; reported, not failed on). */
  tempFiles: number;
  /**
   * S3 store only: row objects no manifest entry makes live (superseded by a chunk's rerun, or written by a worker
   * killed before it published), which readers never read (left for a sweep).
   */
  unreadObjects?: number;
}

export interface WfRepo {
  dir: string;
  keyPrefix: string;
  /** Config whose offline store is `offline-<name>` (written on first use). */
  config(name: string): string;
  digest(name: string): Promise<OfflineDigest>;
  /** Deletes the offline folder of config `name` (while no chunk of it runs), for the next run to start empty. */
  wipe(name: string): void;
  cleanup(): Promise<void>;
}

/**
 * The repo config: the offline store block is a folder name by default; `sourcePath` is where the events are, as
 * written in the config (default the repo folder's own copy).
 */
export function repoJson(
  options: Pick<WfRepoOptions, 'cadence' | 'windows'>,
  offline: string | { path: string; [setting: string]: unknown },
  keyPrefix: string,
  sourcePath = EVENTS_FILE,
): object {
  return {
    project: 'wffault',
    offlineStore: typeof offline === 'string' ? { path: offline } : offline,
    onlineStore: { url: redisUrl(), keyPrefix },
    entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
    sources: [{ name: 'events', type: 'file', path: sourcePath, timestampField: 'event_timestamp' }],
    featureViews: [
      {
        name: VIEW,
        entities: ['user'],
        source: 'events',
        aggregation: {
          cadence: options.cadence,
          windows: options.windows,
          features: [
            { name: 'txn_count', function: 'count' },
            { name: 'amount_sum', function: 'sum', column: 'amount' },
          ],
        },
      },
    ],
  };
}

/** Generated events (user_id, event_timestamp, amount) as a Parquet file at `file`, its folder made if need be. */
export async function writeEvents(file: string, options: Pick<WfRepoOptions, 'dataStart' | 'events' | 'everySeconds' | 'users'>): Promise<void> {
  const db = await Database.open({ threads: 1, memoryLimit: '256MB' });
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    await db.withConnection((c) =>
      c.run(`COPY (
        SELECT (i % ${options.users}) + 1 AS user_id,
               TIMESTAMPTZ ${literal(options.dataStart)} + to_seconds(i * ${options.everySeconds}) AS event_timestamp,
               (i % 100) / 4.0 AS amount
        FROM range(0, ${options.events}) t(i)
      ) TO ${literal(file)} (FORMAT parquet)`),
    );
  } finally {
    db.close();
  }
}

export async function createWfRepo(options: WfRepoOptions): Promise<WfRepo> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ff-faultwf-'));
  const keyPrefix = `${freshPrefix()}ff`;
  await writeEvents(path.join(dir, EVENTS_FILE), options);
  const configs = new Map<string, string>();
  const config = (name: string): string => {
    let file = configs.get(name);
    if (!file) {
      file = path.join(dir, `featureflow-${name}.json`);
      writeFileSync(file, JSON.stringify(repoJson(options, `offline-${name}`, keyPrefix), null, 2));
      configs.set(name, file);
    }
    return file;
  };
  return {
    dir,
    keyPrefix,
    config,
    digest: (name) => offlineDigest(config(name)),
    wipe(name) {
      rmSync(path.join(dir, `offline-${name}`), { recursive: true, force: true });
    },
    async cleanup() {
      const redis = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      await cleanupPrefix(redis, keyPrefix);
      redis.disconnect();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What the offline store of the repo at `configPath` holds for the view (local or S3 store alike). */
export async function offlineDigest(configPath: string): Promise<OfflineDigest> {
  const { repo, repoDir } = await loadValidatedRepo(configPath);
  const ctx: EngineContext = await openEngine(repo, repoDir, { threads: 1, memoryLimit: '256MB' });
  try {
    // The view's rows as the engine reads them (on S3: only live manifest objects, superseded parts cut off).
    await ctx.offline.refresh();
    const files = ctx.offline.computedFiles(VIEW) ?? [];
    if (files.length === 0) return { rows: 0, sha256: '', duplicates: 0, tempFiles: 0 };
    const view = findView(repo, VIEW);
    const rowsOf = viewRows(ctx, view, viewFeatures(view).map((f) => f.name)).relation;
    return await ctx.db.withConnection(async (c) => {
      const rows = (await c.runAndReadAll(`SELECT * EXCLUDE (${CREATED}) FROM ${rowsOf} ORDER BY ALL`)).getRowObjectsJson();
      const hash = createHash('sha256');
      for (const row of rows) hash.update(`${JSON.stringify(row)}\n`);
      const dup = await c.runAndReadAll(`SELECT count(*) - count(DISTINCT (user_id, ${TS})) FROM ${rowsOf}`);
      const location = ctx.offline.location;
      let unreadObjects: number | undefined;
      if (location.kind === 's3') {
        const all = await c.runAndReadAll(`SELECT count(*) FROM glob(${literal(offlinePath(location, VIEW, '*', '*.parquet'))})`);
        unreadObjects = Number(all.getRowsJS()[0]?.[0] ?? 0) - files.length;
      }
      return {
        rows: rows.length,
        sha256: hash.digest('hex'),
        duplicates: Number(dup.getRowsJS()[0]?.[0] ?? -1),
        // An object store has no temp files: an upload that never finished leaves no object at all.
        tempFiles: location.kind === 'local' ? countTempFiles(computedViewDir(ctx, VIEW)) : 0,
        ...(unreadObjects === undefined ? {} : { unreadObjects }),
      };
    });
  } finally {
    closeEngine(ctx);
  }
}

function countTempFiles(viewDir: string): number {
  let n = 0;
  for (const entry of readdirSync(viewDir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.tmp')) n++;
  }
  return n;
}
