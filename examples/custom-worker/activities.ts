// The team's own activities. Their names share the worker's registry with Featureflow's activities, so they must
// not reuse one of those (computeChunk, materializeRange, ...): the later spread would silently win.
import type { materialize } from 'featureflow/workflows';

type MaterializeResult = Awaited<ReturnType<typeof materialize>>;

/** A stand-in for a real side effect (a chat message, a retraining trigger): one line per view. */
export async function reportMaterialized(result: MaterializeResult): Promise<string> {
  const lines = result.views.map((v) => `${v.view}: read ${v.rowsRead} rows, wrote ${v.keysWritten} keys`);
  return [`materialized ${result.start}..${result.end}`, ...lines].join('\n');
}
