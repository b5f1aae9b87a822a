/** `featureflow materialize START END [--views a,b]`: latest values of [START, END) into the online store. */
import { materialize } from '../../materialize/incremental.js';
import { CONFIG_OPTION, parseCommandArgs, UsageError } from '../args.js';
import { parseInstant } from '../instant.js';
import { loadCheckedRepo } from '../load-checked.js';
import { materializeProgress, printResults, withMaterializeDeps } from '../materialize-run.js';

const USAGE = `usage: featureflow materialize --config F START END [--views a,b]

Writes, for every entity, the row with the greatest (event time, created time) among rows with
START <= event time < END to the online store. Writes are newer-wins: re-running, overlapping or older ranges
never replace newer values. START and END are ISO-8601 (UTC unless they carry a zone).`;

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
  if (positionals.length !== 2) throw new UsageError(`expected START and END, got ${positionals.length} arguments\n\n${USAGE}`);
  const start = parseInstant(positionals[0] as string, 'START');
  const end = parseInstant(positionals[1] as string, 'END');
  if (!(start < end)) throw new UsageError(`START (${start.toISOString()}) must be before END (${end.toISOString()})`);
  const views = values.views?.split(',').map((v) => v.trim()).filter(Boolean);
  const loaded = await loadCheckedRepo(values.config);
  const t0 = performance.now();
  const results = await withMaterializeDeps(loaded, (deps) =>
    materialize(deps, views, start, end, { onProgress: materializeProgress() }),
  );
  printResults(results, (performance.now() - t0) / 1000);
  return 0;
}
