/** `featureflow apply`: stores the repo as a new registry version (nothing is written when nothing changed). */
import { applyRepo, formatPlan, type LoadOptions } from '../../registry/index.js';
import { loadRepoForCommand, REPO_OPTIONS_HELP } from '../load-checked.js';

export const USAGE = `usage: featureflow apply [--config FILE]

Validates the repo, prints the plan (as "featureflow plan" does) and stores the repo as the next registry
version under <offlineStore.path>/registry/, with one history file per apply. Applying an unchanged repo
writes nothing.

${REPO_OPTIONS_HELP}`;

/** `options` lets a caller inject `describeSource` so the repo is also checked against the data. */
export async function run(args: string[], options: LoadOptions = {}): Promise<number> {
  const loaded = await loadRepoForCommand(args, USAGE, options);
  if (!loaded) return 0;
  const { version, changes } = await applyRepo(loaded.repoDir, loaded.repo);
  console.log(formatPlan(changes));
  if (changes.length > 0) console.log(`\nApplied registry version ${version}`);
  return 0;
}
