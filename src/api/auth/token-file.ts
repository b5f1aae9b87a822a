/**
 * The token file (or FEATUREFLOW_TOKENS): JSON listing each token's name, the sha256 of its secret and its scopes.
 *
 *   { "tokens": [ { "name": "fraud-scorer", "sha256": "<64 hex>", "scopes": ["service:fraud_v1"] } ] }
 *
 * Only digests are stored, so the file (in backups, config repos, a container's env) never holds a usable secret.
 */
import { z } from 'zod';
import { formatPath, ValidationError, type ValidationIssue } from '../../registry/errors.js';
import { parseScope, SCOPE_HELP, type Scope } from './scopes.js';

export interface TokenEntry {
  name: string;
  /** sha256 of the token, 32 bytes. */
  digest: Buffer;
  scopes: Scope[];
}

const ScopeText = z.string().refine((s) => parseScope(s) !== undefined, { error: SCOPE_HELP });

const EntrySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, "_", "." or "-"'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the token\'s sha256 as 64 lowercase hex digits (see `featureflow tokens create`)'),
  scopes: z.array(ScopeText).min(1, 'list at least one scope'),
  description: z.string().optional(),
});

const FileSchema = z.strictObject({ tokens: z.array(EntrySchema) });

/** Parses a token file's text; throws a ValidationError naming every offending entry path (`tokens[2].scopes[0]`). */
export function parseTokenFile(text: string, what: string): TokenEntry[] {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text around the error, which could be a secret pasted by mistake.
    throw new ValidationError(what, [{ path: '', message: 'not valid JSON' }]);
  }
  const result = FileSchema.safeParse(input);
  if (!result.success) {
    const issues: ValidationIssue[] = result.error.issues.map((issue) =>
      issue.code === 'unrecognized_keys'
        ? { path: formatPath(issue.path), message: `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}` }
        : { path: formatPath(issue.path), message: issue.message },
    );
    throw new ValidationError(what, issues);
  }
  const issues: ValidationIssue[] = [];
  const names = new Map<string, number>();
  const digests = new Map<string, number>();
  result.data.tokens.forEach((entry, i) => {
    const sameName = names.get(entry.name);
    if (sameName !== undefined) issues.push({ path: `tokens[${i}].name`, message: `"${entry.name}" is also the name of tokens[${sameName}]` });
    const sameDigest = digests.get(entry.sha256);
    if (sameDigest !== undefined) issues.push({ path: `tokens[${i}].sha256`, message: `the same token as tokens[${sameDigest}]` });
    names.set(entry.name, i);
    digests.set(entry.sha256, i);
  });
  if (issues.length > 0) throw new ValidationError(what, issues);
  return result.data.tokens.map((entry) => ({
    name: entry.name,
    digest: Buffer.from(entry.sha256, 'hex'),
    scopes: entry.scopes.map((s) => parseScope(s) as Scope),
  }));
}
