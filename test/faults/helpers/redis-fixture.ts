// The data the Redis fault tests materialize: one view of `entities` users (int64 key; an int64, a float64 and a
// string feature), two offline rows per user so "latest per entity" has something to choose, in an in-memory DuckDB
// table. `bump` adds a newer row for some users, so a second run overwrites keys through the write-newer script.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RepoInput } from '../../../src/registry/schema.js';
import { testEngine, type TestEngine } from '../../helpers/engine.js';
import { BASE_MS, hoursAfterBase, sqlHours as sqlTs } from '../../helpers/recent-hours.js';

export const VIEW = 'stats';
export const PROJECT = 'faults';
export { BASE_MS, hoursAfterBase };

export function faultRepo(url: string, keyPrefix: string): RepoInput {
  return {
    project: PROJECT,
    onlineStore: { url, keyPrefix },
    entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
    sources: [{ name: 'src', type: 'table', table: 'rows', createdTimestampField: 'created' }],
    featureViews: [
      {
        name: VIEW,
        entities: ['user'],
        source: 'src',
        ttl: '7d',
        schema: [
          { name: 'clicks', dtype: 'int64' },
          { name: 'amount', dtype: 'float64' },
          { name: 'note', dtype: 'string' },
        ],
      },
    ],
  };
}

/** Rows of users [0, entities): event times spread over hours 0-10, values derived from the user id. */
export async function faultEngine(url: string, keyPrefix: string, entities: number): Promise<TestEngine> {
  return testEngine(faultRepo(url, keyPrefix), {
    rows: `SELECT i AS user_id,
                  ${sqlTs(0)} + to_seconds(((i * 7919 + r * 104729) % 36000)::BIGINT) AS event_timestamp,
                  ${sqlTs(0)} + to_seconds(((i * 7919 + r * 104729) % 36000)::BIGINT) AS created,
                  (i * 31 + r)::BIGINT AS clicks,
                  ((i * 17 + r) % 100000) / 100.0 AS amount,
                  'user ' || i || ' row ' || r AS note
           FROM range(${entities}) a(i), range(2) b(r)`,
  });
}

/** Adds a row at hour `hours` (later than every earlier row) for every `every`-th user, with new values. */
export async function bump(engine: TestEngine, entities: number, hours: number, every = 1): Promise<void> {
  await engine.run(`INSERT INTO rows
    SELECT i, ${sqlTs(hours)}, ${sqlTs(hours)}, (i * 31 + ${hours * 1000})::BIGINT, (i % 1000) / 10.0, 'user ' || i || ' at ' || ${hours}
    FROM range(${entities}) a(i) WHERE i % ${every} = 0`);
}

export interface KeysDigest {
  /** String keys under the prefix: one per entity row, plus the schema key. */
  keys: number;
  /** sha256 over the sorted `key-without-prefix TAB value` lines. */
  sha256: string;
}

/** Every string key under `prefix` with its value, hashed in key order; hashes (watermarks) are left out. */
export async function keysDigest(redis: Redis, prefix: string): Promise<KeysDigest> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 10_000, 'TYPE', 'string');
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  keys.sort();
  const hash = createHash('sha256');
  for (let i = 0; i < keys.length; i += 5000) {
    const slice = keys.slice(i, i + 5000);
    const values = await redis.mget(...slice);
    slice.forEach((key, j) => hash.update(`${key.slice(prefix.length)}\t${values[j] ?? '<missing>'}\n`));
  }
  return { keys: keys.length, sha256: hash.digest('hex') };
}
