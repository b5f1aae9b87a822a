/**
 * Loads and validates a repo for a command, also checking each plain view against its source's real columns
 * (through a short-lived DuckDB), so a typo in a schema field fails at plan time, not in the middle of a job.
 */
import { sourceDescriber } from '../engine/describe.js';
import { Database } from '../engine/database.js';
import { loadValidatedRepo, type LoadedRepo, type LoadOptions } from '../registry/load.js';

export const SKIP_DATA_CHECK_OPTION = { 'skip-data-check': { type: 'boolean' } } as const;

export async function loadCheckedRepo(
  configPath: string | undefined,
  options: LoadOptions = {},
  checkData = true,
): Promise<LoadedRepo> {
  if (options.describeSource || !checkData) return loadValidatedRepo(configPath, options);
  const probe = await Database.open({ threads: 1 });
  try {
    return await loadValidatedRepo(configPath, { ...options, describeSource: sourceDescriber(probe) });
  } finally {
    probe.close();
  }
}
