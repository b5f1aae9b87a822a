/** `featureflow materialize START END [--views a,b]`: latest values of [START, END) into the online store. */
import { UsageError } from '../args.js';
import { materializeProgress, parseMaterializeCommand, printResults, withMaterializeDeps } from '../materialize-run.js';

const USAGE = `usage: featureflow materialize --config F START END [--views a,b]

Writes, for every entity, the row with the greatest (event time, created time) among rows with
START <= event time < END to the online store. Writes are newer-wins: re-running, overlapping or older ranges
never replace newer values. START and END are ISO-8601 (UTC unless they carry a zone).`;

export async function run(args: string[]): Promise<number> {
  const command = await parseMaterializeCommand(args, USAGE, ['START', 'END']);
  if (!command) return 0;
  const [start, end] = command.instants as [Date, Date];
  if (!(start < end)) throw new UsageError(`START (${start.toISOString()}) must be before END (${end.toISOString()})`);
  const { materialize } = await import('../../materialize/index.js');
  const t0 = performance.now();
  const results = await withMaterializeDeps(command.loaded, (deps) =>
    materialize(deps, command.views, start, end, { onProgress: materializeProgress() }),
  );
  printResults(results, (performance.now() - t0) / 1000);
  return 0;
}
