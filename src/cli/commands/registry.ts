/** `featureflow registry list | show NAME | history`: reads the stored registry (what was last applied). */
import {
  formatChanges,
  listHistory,
  loadValidatedRepo,
  NotFoundError,
  OBJECT_KINDS,
  readStoredRegistry,
  type LoadOptions,
  type ObjectKind,
  type StoredObject,
} from '../../registry/index.js';
import { CONFIG_OPTION, parseCommandArgs, UsageError } from '../args.js';

export const USAGE = `usage: featureflow registry <subcommand> [--config FILE]

subcommands:
  list [--kind KIND]       the stored objects: kind, name, version, last update
  show NAME [--kind KIND]  one stored object as JSON (--kind when NAME is used by several kinds)
  history                  every apply, oldest first, with what it changed

options:
  -c, --config FILE  the repo config (.ts, .mts, .js, .mjs or .json, or a folder holding one);
                     default: featureflow.config.ts, then featureflow.json, in the current folder
  -k, --kind KIND    one of ${OBJECT_KINDS.join(', ')}
  -h, --help         show this help

The stored registry is what "featureflow apply" last wrote, which may differ from the repo on disk
("featureflow plan" shows how).`;

const OPTIONS = {
  ...CONFIG_OPTION,
  kind: { type: 'string', short: 'k' },
  help: { type: 'boolean', short: 'h' },
} as const;

const NOT_APPLIED = 'The registry is empty: run "featureflow apply" first.';

/** `options` lets a caller inject `describeSource` so the repo is also checked against the data. */
export async function run(args: string[], options: LoadOptions = {}): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [sub, ...rest] = positionals;
  const expected = sub === 'show' ? 1 : 0;
  if (sub === undefined || !['list', 'show', 'history'].includes(sub)) {
    throw new UsageError(`${sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`}\n\n${USAGE}`);
  }
  if (rest.length !== expected) {
    throw new UsageError(`registry ${sub} takes ${expected === 1 ? 'one NAME' : 'no arguments'}\n\n${USAGE}`);
  }
  const kind = values.kind === undefined ? undefined : parseKind(values.kind);
  if (kind !== undefined && sub === 'history') throw new UsageError(`registry history takes no --kind\n\n${USAGE}`);

  const { repo, repoDir } = await loadValidatedRepo(values.config, options);
  if (sub === 'history') {
    const entries = await listHistory(repoDir, repo);
    if (entries.length === 0) console.log(NOT_APPLIED);
    for (const entry of entries) {
      console.log(`version ${entry.version} (applied ${entry.appliedAt})`);
      for (const line of formatChanges(entry.changes)) console.log(`  ${line}`);
    }
    return 0;
  }

  const stored = await readStoredRegistry(repoDir, repo);
  const objects = (stored?.objects ?? []).filter((o) => kind === undefined || o.kind === kind);
  if (sub === 'list') {
    if (!stored) console.log(NOT_APPLIED);
    else console.log(formatTable(['KIND', 'NAME', 'VERSION', 'UPDATED'], objects.map((o) => [o.kind, o.name, String(o.version), o.updatedAt])));
    return 0;
  }
  console.log(JSON.stringify(findObject(objects, rest[0] as string, kind, stored === undefined), null, 2));
  return 0;
}

function parseKind(text: string): ObjectKind {
  const kind = OBJECT_KINDS.find((k) => k.toLowerCase() === text.toLowerCase());
  if (!kind) throw new UsageError(`unknown kind "${text}": use one of ${OBJECT_KINDS.join(', ')}`);
  return kind;
}

function findObject(objects: StoredObject[], name: string, kind: ObjectKind | undefined, empty: boolean): StoredObject {
  const found = objects.filter((o) => o.name === name);
  if (found.length > 1) {
    const kinds = found.map((o) => o.kind);
    const named = kinds.map((k) => `${/^[aeiou]/.test(k) ? 'an' : 'a'} ${k}`).join(' and ');
    throw new UsageError(`"${name}" names ${named}: add ${kinds.map((k) => `--kind ${k}`).join(' or ')}`);
  }
  if (found[0]) return found[0];
  if (empty) throw new NotFoundError(`no stored object "${name}": ${NOT_APPLIED}`);
  const known = objects.map((o) => `${o.kind} ${o.name}`).join(', ') || '(none)';
  throw new NotFoundError(`no stored ${kind ?? 'object'} named "${name}"; stored: ${known}`);
}

function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
