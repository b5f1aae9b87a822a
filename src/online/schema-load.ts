/**
 * The feature names of stored schemas (schema key -> names), fetched the first time a read meets a schema id: at most
 * one extra round trip, and none once the process is warm. Schema keys never change once written.
 */
import { CorruptOnlineValueError } from './errors.js';

/** Fetches the keys `schemas` lacks and adds them; a missing key is left out (assembleColumns names it if needed). */
export async function loadSchemas(
  keys: readonly string[],
  schemas: Map<string, readonly string[]>,
  mget: (keys: readonly string[]) => Promise<(string | null)[]>,
): Promise<void> {
  if (keys.length === 0) return;
  const missing = keys.filter((k) => !schemas.has(k));
  if (missing.length === 0) return;
  const texts = await mget(missing);
  texts.forEach((text, i) => {
    if (text === null) return;
    const key = missing[i] as string;
    let names: unknown;
    try {
      names = JSON.parse(text);
    } catch {
      names = undefined;
    }
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
      throw new CorruptOnlineValueError(`schema key ${key} does not hold a JSON array of feature names`);
    }
    schemas.set(key, names);
  });
}
