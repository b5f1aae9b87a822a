/**
 * Working folders standing in for machines, for the two-worker scale test and bench: each worker process runs in a
 * folder of its own holding its own copy of the repo config (and of the events, when they are not in the shared
 * store), and all of them share one offline store, Redis prefix and Temporal server, as workers on two hosts would.
 * The shared store is an S3 bucket of rclone's (test/helpers/s3-server.ts) or, for debugging without S3, one
 * absolute local folder.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startS3Server } from '../../helpers/s3-server.js';
import { EVENTS_FILE, repoJson, writeEvents, type WfRepoOptions } from './wf-repo.js';

/** The config file every host keeps in its folder; workers are given this relative name and their folder as cwd. */
export const HOST_CONFIG = 'featureflow.json';

export interface SharedStore {
  kind: 's3' | 'local';
  /** The offlineStore block of a config whose views are stored under `prefix`. */
  offlineStore(prefix: string): { path: string; [setting: string]: unknown };
  /** The events as every config names them; undefined means each host's own copy at EVENTS_FILE. */
  sourcePath: string | undefined;
  /** Environment every process that reads or writes the store needs (credentials, endpoint). */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** An rclone S3 bucket holding the events at `data/events.parquet` and every offline prefix. */
export async function s3Store(eventsFile: string): Promise<SharedStore> {
  const s3 = await startS3Server({ seed: { [EVENTS_FILE]: eventsFile } });
  return {
    kind: 's3',
    offlineStore: (prefix) => ({ path: s3.url(prefix), s3: s3.repoS3() }),
    sourcePath: s3.url(EVENTS_FILE),
    env: s3.env(),
    cleanup: () => s3.stop(),
  };
}

/** One absolute folder every host's config names (and allows), the events copied into each host. */
export function localStore(): SharedStore {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ff-shared-offline-'));
  return {
    kind: 'local',
    offlineStore: (prefix) => ({ path: path.join(dir, prefix), allowedPaths: [dir] }),
    sourcePath: undefined,
    env: {},
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface Host {
  name: string;
  dir: string;
  /** Absolute path of its config, for the test process itself. */
  configPath: string;
}

export interface HostSpec {
  store: SharedStore;
  /** Offline prefix the host's config writes under: hosts of one run share it. */
  prefix: string;
  keyPrefix: string;
  eventsFile: string;
  view: Pick<WfRepoOptions, 'cadence' | 'windows'>;
}

/** A fresh working folder with its own config (and events, for a local store). */
export function createHost(name: string, spec: HostSpec): Host {
  const dir = mkdtempSync(path.join(os.tmpdir(), `ff-host-${name}-`));
  if (spec.store.sourcePath === undefined) {
    mkdirSync(path.join(dir, path.dirname(EVENTS_FILE)), { recursive: true });
    copyFileSync(spec.eventsFile, path.join(dir, EVENTS_FILE));
  }
  const config = repoJson(spec.view, spec.store.offlineStore(spec.prefix), spec.keyPrefix, spec.store.sourcePath);
  const configPath = path.join(dir, HOST_CONFIG);
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  return { name, dir, configPath };
}

/** Generates the events once, into a folder of their own, for every host and the store to copy. */
export async function generateEvents(options: Pick<WfRepoOptions, 'dataStart' | 'events' | 'everySeconds' | 'users'>): Promise<{ file: string; cleanup(): void }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ff-events-'));
  const file = path.join(dir, 'events.parquet');
  await writeEvents(file, options);
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
