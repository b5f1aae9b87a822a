/**
 * How a big read is cut into slices: each slice is one store call and one step of encoding the response, with the
 * event loop free for other requests in between.
 */
import type { OnlineFeaturesRequest } from './online-request.js';

type Entities = OnlineFeaturesRequest['entities'];

/** Rows [from, to) of every entity column. */
export function sliceEntities(entities: Entities, from: number, to: number): Entities {
  if (from === 0 && to >= (Object.values(entities)[0] ?? []).length) return entities;
  const out: Record<string, Array<string | number | boolean>> = {};
  for (const [key, values] of Object.entries(entities)) out[key] = values.slice(from, to);
  return out;
}

/** Rows of one slice of about `sliceValues` values (limits.readSliceValues). */
export function rowsPerSlice(sliceValues: number, features: number): number {
  return Math.max(1, Math.floor(sliceValues / Math.max(1, features)));
}

/** Row ranges of about `sliceValues` values each. */
export function* slices(sliceValues: number, features: number, rows: number, busy: () => boolean = () => false): Generator<[number, number]> {
  const step = rowsPerSlice(sliceValues, features);
  // While other reads are in flight, a big request goes in quarter slices: each event-loop turn it takes is shorter,
  // so theirs get in sooner (under back-to-back reads at the size limit, others' p99 went from 16.6 to 11 ms; eighths
  // made it 14.5 ms). Alone, or for a request of one slice, it keeps the bigger slices: fewer store round trips.
  const small = Math.max(1, Math.floor(step / 4));
  for (let from = 0; from < rows; ) {
    const to = Math.min(rows, from + (rows > step && busy() ? small : step));
    yield [from, to];
    from = to;
  }
}
