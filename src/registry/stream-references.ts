/**
 * Reference checks for stream sources and the views reading them: the batch source must hold rows itself, and a view
 * on a stream is an aggregation (the tiles are what is served) whose windows fit a tile size, and is never
 * materialized (no schedule).
 */
import { get, isRecord, known, list, type Add } from './raw.js';
import { tileSecondsOrProblem } from './stream-tiles.js';
import { tryParseDuration } from './duration.js';

interface SourceIndex {
  sources: unknown[];
  sourceIndex: Map<string, number>;
}

export function checkStreamSources(ctx: SourceIndex, views: unknown[], add: Add): void {
  ctx.sources.forEach((source, i) => {
    const batch = get(source, 'batchSource');
    if (get(source, 'type') !== 'stream' || typeof batch !== 'string') return;
    const index = ctx.sourceIndex.get(batch);
    const kind = index === undefined ? undefined : get(ctx.sources[index], 'type');
    if (index === undefined) {
      add(`sources[${i}].batchSource`, `unknown source "${batch}"; known sources: ${known(ctx.sourceIndex.keys())}`);
    } else if (kind === 'push' || kind === 'stream') {
      add(`sources[${i}].batchSource`, `"${batch}" is a ${String(kind)} source; a batch source must be a file, table or sql source holding the same events`);
    }
  });
  views.forEach((view, i) => {
    const index = ctx.sourceIndex.get(String(get(view, 'source')));
    if (index === undefined || get(ctx.sources[index], 'type') !== 'stream') return;
    const base = `featureViews[${i}]`;
    const source = String(get(view, 'source'));
    if (get(view, 'transform') !== undefined) {
      add(`${base}.transform`, `the view reads stream source "${source}": stream views aggregate events into tiles and take no transform`);
    }
    if (get(view, 'schedule') !== undefined) {
      add(
        `${base}.schedule`,
        `the view reads stream source "${source}": its online values are merged from the stream's tiles at request time ` +
          '(`featureflow stream start`), so it takes no materialization schedule',
      );
    }
    const aggregation = get(view, 'aggregation');
    if (!isRecord(aggregation)) {
      add(`${base}.aggregation`, `the view reads stream source "${source}", so it needs an aggregation (what is folded into tiles and served)`);
      return;
    }
    const windows = list(aggregation.windows);
    const tile = aggregation.tile;
    if (windows.length === 0 || !windows.every((w) => (tryParseDuration(w) ?? 0) > 0)) return;
    if (tile !== undefined && tryParseDuration(tile) === undefined) return;
    const problem = tileSecondsOrProblem({ windows: windows as Array<string | number>, tile: tile as string | number | undefined });
    if (typeof problem === 'string') add(`${base}.aggregation.${tile === undefined ? 'windows' : 'tile'}`, problem);
  });
  views.forEach((view, i) => {
    const aggregation = get(view, 'aggregation');
    const index = ctx.sourceIndex.get(String(get(view, 'source')));
    const onStream = index !== undefined && get(ctx.sources[index], 'type') === 'stream';
    if (isRecord(aggregation) && aggregation.tile !== undefined && !onStream) {
      add(`featureViews[${i}].aggregation.tile`, 'only views on a stream source are tiled; a batch aggregation is computed at its cadence');
    }
  });
}
