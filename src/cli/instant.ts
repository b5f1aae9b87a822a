/** Instants on the command line: ISO-8601 (UTC unless they carry a zone, see registry/instant.ts), or `now`. */
import { INSTANT_HINT, parseInstantMs } from '../registry/instant.js';
import { UsageError } from './args.js';

export function parseInstant(text: string, what: string): Date {
  if (text === 'now') return new Date();
  const ms = parseInstantMs(text);
  if (ms === undefined) throw new UsageError(`${what}: ${JSON.stringify(text)} is not ${INSTANT_HINT}`);
  return new Date(ms);
}
