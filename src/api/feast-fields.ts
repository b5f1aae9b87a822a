/**
 * Feast's server parses request bodies with pydantic, which ignores fields it does not know; Feast's clients rely
 * on that (0.67 added `include_feature_view_version_metadata`, and older servers must not choke on it). We ignore
 * unknown fields the same way, except those that look like a misspelt known field (`full_feature_name`,
 * `Features`): ignoring those would silently change the answer, so they get a 400 naming the field we expected.
 */
import { BadRequestError } from './errors.js';

/** Edit distance (insertions, deletions, substitutions; a swap counts 2), stopping early past `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length] as number;
}

/** The known field `field` most likely stands for, or undefined when it is simply a field we do not know. */
export function misspeltField(field: string, known: readonly string[]): string | undefined {
  const normalized = field.toLowerCase().replace(/-/g, '_');
  // Short names would match unrelated words at distance 2 ("to" vs "ts"), so the allowance grows with length.
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    if (candidate === field) return undefined;
    const limit = candidate.length <= 4 ? 0 : candidate.length <= 8 ? 1 : 2;
    const distance = editDistance(normalized, candidate, limit);
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Throws a 400 when a top-level field of `body` is a misspelling of one of `known` (and the known field itself is
 * absent); other unknown fields are left for the caller's schema to strip. `body` that is not a plain object is
 * left to the schema too, which says what it expected.
 */
export function refuseMisspeltFields(body: unknown, known: readonly string[]): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  const present = new Set(Object.keys(body));
  const problems: string[] = [];
  for (const field of present) {
    if (known.includes(field)) continue;
    const meant = misspeltField(field, known);
    if (meant !== undefined && !present.has(meant)) {
      problems.push(`${field}: unknown field; did you mean ${JSON.stringify(meant)}? (known fields: ${known.join(', ')})`);
    }
  }
  if (problems.length > 0) throw new BadRequestError(`invalid request: ${problems.join('; ')}`);
}
