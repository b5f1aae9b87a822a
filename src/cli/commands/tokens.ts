/**
 * `featureflow tokens create --name N --scope S [--scope S]`: a fresh random API token, printed once, and the
 * entry (its sha256, never the token) to add to the token file. Nothing is stored: the token file is yours.
 */
import { parseScope, SCOPE_HELP } from '../../api/auth/scopes.js';
import { newToken, tokenDigest } from '../../api/auth/tokens.js';
import { parseCommandArgs, UsageError } from '../args.js';

const USAGE = `usage: featureflow tokens create --name NAME --scope SCOPE [--scope SCOPE ...] [--json]

  --name NAME     what the token is for (letters, digits, "_", "." or "-"); shown in the server's logs
  --scope SCOPE   admin | service:NAME | view:NAME | write:NAME (NAME may be *); repeat for several
  --json          print only {"token", "entry"} as JSON (for scripts)

Prints the token (shown this once; only its hash is kept) and the entry to add to the "tokens" list of the file
given to \`featureflow serve --tokens-file\` (or FEATUREFLOW_TOKENS_FILE). A running server picks it up by itself.`;

const OPTIONS = {
  name: { type: 'string' },
  scope: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (positionals[0] !== 'create' || positionals.length > 1) throw new UsageError(`unknown tokens command "${positionals.join(' ')}"\n\n${USAGE}`);
  const name = values.name;
  if (!name || !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new UsageError(`--name must be 1-64 letters, digits, "_", "." or "-"\n\n${USAGE}`);
  const scopes = values.scope ?? [];
  if (scopes.length === 0) throw new UsageError(`give at least one --scope\n\n${USAGE}`);
  const bad = scopes.filter((s) => parseScope(s) === undefined);
  if (bad.length > 0) throw new UsageError(`${bad.map((s) => JSON.stringify(s)).join(', ')}: ${SCOPE_HELP}`);
  const token = newToken();
  const entry = { name, sha256: tokenDigest(token).toString('hex'), scopes: [...new Set(scopes)] };
  if (values.json) {
    console.log(JSON.stringify({ token, entry }));
    return 0;
  }
  console.log(`token (shown once; send it as "Authorization: Bearer <token>"):\n  ${token}\n`);
  console.log(`add this entry to the "tokens" list of the token file:\n  ${JSON.stringify(entry)}`);
  return 0;
}
