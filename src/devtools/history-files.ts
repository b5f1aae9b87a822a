/**
 * Recorded histories on disk: one file, or every `*.json` of a folder (sorted, so output and CI logs are stable).
 * Each is read completely before anything replays, so a typo in the tenth file name fails in a second, not after a
 * bundle build and nine replays.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { FeatureflowError } from '../registry/errors.js';
import { historyFromJson } from './history-json.js';
import type { HistoryToReplay } from './replay.js';

export class HistoryFileError extends FeatureflowError {
  constructor(message: string, cause?: unknown) {
    super('HISTORY_UNREADABLE', message, cause === undefined ? {} : { cause });
  }
}

export function readHistoryFile(file: string): HistoryToReplay {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new HistoryFileError(`cannot read history file ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, err);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new HistoryFileError(`history file ${file} is not JSON: ${(err as Error).message}`, err);
  }
  return { name: file, history: historyFromJson(json, `history file ${file}`) };
}

/** The `*.json` files directly in `dir`, sorted by name; an empty or missing folder is an error, not a pass. */
export function historyFilesIn(dir: string): string[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new HistoryFileError(`${dir} is not a folder`);
    names = readdirSync(dir);
  } catch (err) {
    if (err instanceof HistoryFileError) throw err;
    throw new HistoryFileError(`cannot read history folder ${dir}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (err as Error).message}`, err);
  }
  const files = names.filter((n) => n.endsWith('.json')).sort().map((n) => path.join(dir, n));
  if (files.length === 0) throw new HistoryFileError(`history folder ${dir} has no *.json files`);
  return files;
}
