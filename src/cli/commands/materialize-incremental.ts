/** `featureflow materialize-incremental END [--views a,b]`: each view from where it last stopped up to END. */
import { materializeIncremental } from '../../materialize/incremental.js';
import { CONFIG_OPTION, parseCommandArgs, UsageError } from '../args.js';
import { parseInstant } from '../instant.js';
import { loadCheckedRepo } from '../load-checked.js';
import { materializeProgress, printResults, withMaterializeDeps } from '../materialize-run.js';

const USAGE = `usage: featureflow materialize-incremental --config F END [--views a,b]

Materializes each online view from the end of its last successful materialization (first time: END - ttl, or
its earliest row when it has no TTL) up to END, then records END. A failure leaves the record unchanged, so
the next run redoes the range. END is ISO-8601 or "now".`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    { ...CONFIG_OPTION, views: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    USAGE,
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected END, got ${positionals.length} arguments\n\n${USAGE}`);
  const end = parseInstant(positionals[0] as string, 'END');
  const views = values.views?.split(',').map((v) => v.trim()).filter(Boolean);
  const loaded = await loadCheckedRepo(values.config);
  const t0 = performance.now();
  const results = await withMaterializeDeps(loaded, (deps) =>
    materializeIncremental(deps, views, end, { onProgress: materializeProgress() }),
  );
  printResults(results, (performance.now() - t0) / 1000);
  return 0;
}
