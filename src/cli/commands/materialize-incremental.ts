/** `featureflow materialize-incremental END [--views a,b]`: each view from where it last stopped up to END. */
import { materializeProgress, parseMaterializeCommand, printResults, withMaterializeDeps } from '../materialize-run.js';

const USAGE = `usage: featureflow materialize-incremental --config F END [--views a,b]

Materializes each online view from the end of its last successful materialization (first time: END - ttl, or
its earliest row when it has no TTL) up to END, then records END. A failure leaves the record unchanged, so
the next run redoes the range. END is ISO-8601 or "now".`;

export async function run(args: string[]): Promise<number> {
  const command = await parseMaterializeCommand(args, USAGE, ['END']);
  if (!command) return 0;
  const [end] = command.instants as [Date];
  const { materializeIncremental } = await import('../../materialize/index.js');
  const t0 = performance.now();
  const results = await withMaterializeDeps(command.loaded, (deps) =>
    materializeIncremental(deps, command.views, end, { onProgress: materializeProgress() }),
  );
  printResults(results, (performance.now() - t0) / 1000);
  return 0;
}
