/**
 * What `featureflow init` writes: a repo `featureflow dev` runs as is. The config is JSON, not TypeScript, because a
 * `featureflow.config.ts` imports the `featureflow` package, which only resolves where the package is installed next
 * to it; a JSON repo loads from any folder, and `featureflow.config.ts` can replace it later (same schema).
 */
import { readFileSync } from 'node:fs';

/** A valid repo/project name (letters, digits, `_`, not starting with a digit) from a folder name. */
export function projectNameFor(dirName: string): string {
  const cleaned = dirName
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (cleaned === '') return 'featureflow';
  return /^[0-9]/.test(cleaned) ? `ff_${cleaned}` : cleaned;
}

export interface InitTemplateOptions {
  project: string;
  redisUrl: string;
}

/** The repo: an entity, a CSV file source, a plain view, a windowed aggregation, both scheduled with an SLA, a service. */
export function repoConfig(options: InitTemplateOptions): Record<string, unknown> {
  return {
    project: options.project,
    onlineStore: { url: options.redisUrl, keyPrefix: options.project },
    entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64', description: 'A customer' }],
    sources: [{ name: 'purchases', type: 'file', path: 'data/purchases.csv', timestampField: 'event_timestamp' }],
    featureViews: [
      {
        name: 'user_last_purchase',
        description: "Each user's latest purchase, as it was recorded",
        entities: ['user'],
        source: 'purchases',
        ttl: '30d',
        schema: [
          { name: 'amount', dtype: 'float64' },
          { name: 'category', dtype: 'string' },
        ],
        schedule: { cron: '*/15 * * * *' },
        freshness: { maxStaleness: '1h' },
      },
      {
        name: 'user_spend',
        description: 'Purchases per user over the last day and week, computed by DuckDB at every midnight UTC',
        entities: ['user'],
        source: 'purchases',
        ttl: '7d',
        aggregation: {
          cadence: '1d',
          windows: ['1d', '7d'],
          features: [
            { name: 'purchase_count', function: 'count' },
            { name: 'amount_sum', function: 'sum', column: 'amount' },
            { name: 'amount_max', function: 'max', column: 'amount' },
          ],
        },
        schedule: { cron: '5 0 * * *' },
        freshness: { maxStaleness: '2d', checkEvery: '1h' },
      },
    ],
    featureServices: [
      {
        name: 'user_profile',
        description: 'What a model scoring a user reads',
        features: { user_last_purchase: ['amount', 'category'], user_spend: ['purchase_count_7d', 'amount_sum_7d'] },
      },
    ],
  };
}

export const SAMPLE_USERS = [1, 2, 3, 4, 5] as const;
export const SAMPLE_DAYS = 7;
const CATEGORIES = ['books', 'food', 'games', 'travel'] as const;

/**
 * Three purchases per user on each of the SAMPLE_DAYS whole UTC days before `today` (a UTC midnight), so the
 * aggregation tick at `today` covers them all. Values come from a fixed formula: the same day gives the same file.
 */
export function samplePurchasesCsv(today: Date): string {
  const dayMs = 86_400_000;
  const lines = ['user_id,event_timestamp,amount,category'];
  for (let d = SAMPLE_DAYS; d >= 1; d--) {
    const dayStart = today.getTime() - d * dayMs;
    for (const user of SAMPLE_USERS) {
      for (let k = 0; k < 3; k++) {
        const n = d * 31 + user * 7 + k * 3;
        const seconds = (n * 7919) % 28_800 + k * 28_800;
        const at = new Date(dayStart + seconds * 1000).toISOString().replace('T', ' ').replace('.000Z', '');
        const amount = ((n * 2654435761) % 20_000) / 100 + 1;
        lines.push(`${user},${at},${amount.toFixed(2)},${CATEGORIES[n % CATEGORIES.length]}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Entity rows for a first training set: each sample user at `today` (the aggregation tick) and at noon the day
 * before, with a made-up label, so the README's `historical` command has something to join on.
 */
export function sampleLabelsCsv(today: Date): string {
  const at = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('.000Z', '');
  const lines = ['user_id,event_timestamp,label'];
  for (const user of SAMPLE_USERS) {
    lines.push(`${user},${at(today.getTime() - 43_200_000)},${user % 2}`, `${user},${at(today.getTime())},${(user + 1) % 2}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The scaffold's README, from templates/README.md with {{project}} filled in. */
export function readmeText(project: string): string {
  const template = readFileSync(new URL('./templates/README.md', import.meta.url), 'utf8');
  return template.replaceAll('{{project}}', project);
}
