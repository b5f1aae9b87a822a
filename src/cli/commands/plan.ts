/** `featureflow plan`: what `apply` would change in the stored registry, without changing it. */
import { formatPlan, planChanges, readStoredRegistry, type LoadOptions } from '../../registry/index.js';
import { loadRepoForCommand, REPO_OPTIONS_HELP } from '../load-checked.js';

export const USAGE = `usage: featureflow plan [--config FILE]

Validates the repo and shows what "featureflow apply" would change in the stored registry:
"+" added, "~" changed (with each changed field), "-" removed. Writes nothing.

${REPO_OPTIONS_HELP}`;

/** `options` lets a caller inject `describeSource` so the repo is also checked against the data. */
export async function run(args: string[], options: LoadOptions = {}): Promise<number> {
  const loaded = await loadRepoForCommand(args, USAGE, options);
  if (!loaded) return 0;
  console.log(formatPlan(planChanges(await readStoredRegistry(loaded.repoDir, loaded.repo), loaded.repo)));
  return 0;
}
