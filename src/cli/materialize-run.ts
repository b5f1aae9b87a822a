/** Shared by `materialize` and `materialize-incremental`: open engine and online store, show progress, print counts. */
import type { LoadedRepo } from '../registry/load.js';
import type { MaterializeDeps, MaterializeProgress, ViewMaterialization } from '../materialize/materialize-view.js';
import { CONFIG_OPTION, parseCommandArgs, UsageError } from './args.js';
import { parseInstant } from './instant.js';
import { loadCheckedRepo } from './load-checked.js';

export interface MaterializeCommand {
  loaded: LoadedRepo;
  /** The instants named on the command line, in order (START END, or END). */
  instants: Date[];
  views: string[] | undefined;
}

/** Parses `--config`, `--views` and the given positional instants; undefined means help was printed. */
export async function parseMaterializeCommand(
  args: string[],
  usage: string,
  names: readonly string[],
): Promise<MaterializeCommand | undefined> {
  const { values, positionals } = parseCommandArgs(
    args,
    { ...CONFIG_OPTION, views: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    usage,
  );
  if (values.help) {
    console.log(usage);
    return undefined;
  }
  if (positionals.length !== names.length) {
    throw new UsageError(`expected ${names.join(' and ')}, got ${positionals.length} arguments\n\n${usage}`);
  }
  const instants = positionals.map((text, i) => parseInstant(text, names[i] as string));
  const views = values.views?.split(',').map((v) => v.trim()).filter(Boolean);
  return { loaded: await loadCheckedRepo(values.config), instants, views };
}

export async function withMaterializeDeps<T>(loaded: LoadedRepo, fn: (deps: MaterializeDeps) => Promise<T>): Promise<T> {
  const [{ closeEngine, openEngine }, { connectRepoStore }] = await Promise.all([
    import('../engine/context.js'),
    import('../online/store-target.js'),
  ]);
  const ctx = await openEngine(loaded.repo, loaded.repoDir);
  try {
    const store = await connectRepoStore(loaded.repo.onlineStore);
    try {
      return await fn({ ctx, store });
    } finally {
      await store.close();
    }
  } finally {
    closeEngine(ctx);
  }
}

/** A progress bar per view on a terminal; a line per finished view otherwise. */
export function materializeProgress(stream: NodeJS.WriteStream = process.stderr): (p: MaterializeProgress) => void {
  const started = new Map<string, number>();
  return (p) => {
    const t0 = started.get(p.view) ?? performance.now();
    started.set(p.view, t0);
    if (!stream.isTTY) return;
    const fraction = p.done || p.rowsTotal <= 0 ? 1 : Math.min(p.rowsDone / p.rowsTotal, 0.99);
    const width = 30;
    const bar = '#'.repeat(Math.round(fraction * width)).padEnd(width, '.');
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    stream.write(`\r\x1b[2K${p.view} [${bar}] ${(fraction * 100).toFixed(0)}% ${p.rowsDone.toLocaleString('en-US')}/${p.rowsTotal.toLocaleString('en-US')} rows ${seconds}s`);
    if (p.done) stream.write('\n');
  };
}

export function printResults(results: readonly ViewMaterialization[], seconds: number): void {
  if (results.length === 0) {
    console.log('Nothing to materialize: every view is up to date.');
    return;
  }
  for (const r of results) {
    console.log(
      `${r.view}: [${r.start ?? 'beginning'}, ${r.end}) read ${r.rowsRead}, wrote ${r.keysWritten}, ` +
        `skipped ${r.keysSkippedOlder} older and ${r.keysSkippedExpired} expired` +
        (r.newestEvent ? `; newest event ${r.newestEvent}` : ''),
    );
  }
  const rows = results.reduce((n, r) => n + r.rowsRead, 0);
  console.log(`Materialized ${rows.toLocaleString('en-US')} rows in ${seconds.toFixed(1)}s`);
}
