/**
 * `featureflow init DIR`: scaffolds a repo that `featureflow dev` runs as is (config, sample data, README). Refuses a
 * folder that already holds something unless --force, so it never mixes its files into someone's work by accident.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { redisUrl } from '../../devtools/redis-url.js';
import { FeatureflowError } from '../../registry/errors.js';
import { validateRepo } from '../../registry/validate.js';
import { parseCommandArgs, UsageError } from '../args.js';
import { projectNameFor, readmeText, repoConfig, sampleLabelsCsv, samplePurchasesCsv } from '../init-template.js';

const USAGE = `usage: featureflow init DIR [--force] [--project NAME] [--redis-url URL]

Creates DIR (if needed) with a repo that \`featureflow dev --config DIR/featureflow.json\` runs as is:
featureflow.json, data/purchases.csv and data/labels.csv (sample data) and a README saying what to run next.

      --force          write into DIR even if it is not empty (files of the same name are replaced)
      --project NAME   project name and Redis key prefix (default: DIR's name made valid, e.g. my-shop -> my_shop)
      --redis-url URL  the online store (default REDIS_URL, else redis://127.0.0.1:6379)`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    { force: { type: 'boolean' }, project: { type: 'string' }, 'redis-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    USAGE,
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError(`${positionals.length === 0 ? 'missing DIR' : `unexpected argument "${positionals[1]}"`}\n\n${USAGE}`);
  }
  const dir = path.resolve(positionals[0] as string);
  const project = values.project ?? projectNameFor(path.basename(dir));
  const existing = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw new FeatureflowError('INIT_FAILED', `cannot read ${dir}: ${err.message}`);
  });
  if (existing.length > 0 && !values.force) {
    throw new FeatureflowError(
      'DIR_NOT_EMPTY',
      `${dir} is not empty (${existing.length} entr${existing.length === 1 ? 'y' : 'ies'}, e.g. ${existing[0]}): choose an empty or new folder, or pass --force`,
    );
  }
  const config = repoConfig({ project, redisUrl: values['redis-url'] ?? redisUrl() });
  // Checked before anything is written: a --project the schema refuses fails with the schema's own message.
  await validateRepo(config, { file: 'featureflow.json' });

  const dayMs = 86_400_000;
  const today = new Date(Math.floor(Date.now() / dayMs) * dayMs);
  const files: Array<[string, string]> = [
    ['featureflow.json', `${JSON.stringify(config, null, 2)}\n`],
    [path.join('data', 'purchases.csv'), samplePurchasesCsv(today)],
    [path.join('data', 'labels.csv'), sampleLabelsCsv(today)],
    ['README.md', readmeText(project)],
    ['.gitignore', '.featureflow/\n'],
  ];
  await mkdir(path.join(dir, 'data'), { recursive: true });
  for (const [name, text] of files) await writeFile(path.join(dir, name), text);

  const relative = path.relative(process.cwd(), dir);
  const shown = relative.startsWith('..') ? dir : relative || '.';
  console.log(`Created project "${project}" in ${shown}:`);
  for (const [name] of files) console.log(`  ${path.join(shown, name)}`);
  console.log(`\nNext (with Redis at ${String((config.onlineStore as { url: string }).url)}):
  npx featureflow dev --config ${path.join(shown, 'featureflow.json')}
then, once it prints "ready":
  curl -s -X POST http://127.0.0.1:6566/get-online-features -H 'content-type: application/json' \\
    -d '{"feature_service":"user_profile","entities":{"user_id":[1,2,99]}}'
See ${path.join(shown, 'README.md')} for more.`);
  return 0;
}
