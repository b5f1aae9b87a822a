/**
 * Validation gate overhead (issue 12): the 1M entities x 10 float64 features materialization of bench/materialize,
 * once without rules and once with 11 rules over every feature (notNull, range, maxNullRate, sql, unique), runs
 * interleaved so both see the same machine load. Every rule holds, so both runs write every key. Keys go under a
 * fresh prefix in DB 9 and are deleted after each run.
 *
 *   npm run bench:gate                    # 1M entities, median of 3 each
 *   RUNS=1 ENTITIES=200000 npm run bench:gate
 */
import path from 'node:path';
import { Redis } from 'ioredis';
import { closeEngine, openEngine } from '../../src/engine/context.js';
import { materialize } from '../../src/materialize/index.js';
import { connectOnlineStore } from '../../src/online/redis-store.js';
import { RepoSchema } from '../../src/registry/schema.js';
import { deletePrefix, FEATURES, materializeBenchData } from '../materialize/data.js';

const entities = Number(process.env['ENTITIES'] ?? 1_000_000);
const rowsPerEntity = 2;
const runs = Number(process.env['RUNS'] ?? 3);
const redisBase = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const url = `${redisBase.replace(/\/\d+$/, '')}/9`;

type RuleInput = Record<string, unknown>;

const RULES: RuleInput[] = [
  ...FEATURES.slice(0, 4).map((feature) => ({ rule: 'notNull', feature })),
  ...FEATURES.slice(4, 8).map((feature) => ({ rule: 'range', feature, min: 0, max: 1000 })),
  { rule: 'maxNullRate', feature: 'f8', max: 0.01 },
  { rule: 'sql', name: 'f9_sane', predicate: 'f9 >= 0 AND f9 < f9 + 1' },
  { rule: 'unique' },
];

async function once(file: string, run: string, rules: RuleInput[]): Promise<{ seconds: number; keys: number }> {
  const prefix = `ffgate${process.pid}${run}`;
  const repo = RepoSchema.parse({
    project: 'bench',
    onlineStore: { url, keyPrefix: prefix },
    entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
    sources: [{ name: 'src', type: 'file', path: file }],
    featureViews: [
      { name: 'stats', entities: ['user'], source: 'src', ttl: '7d', schema: FEATURES.map((name) => ({ name, dtype: 'float64' })), validation: rules },
    ],
  });
  // The shared data folder is the repo's folder: its file source must lie under it.
  const ctx = await openEngine(repo, path.dirname(file), { threads: 2 });
  const store = await connectOnlineStore({ url, keyPrefix: prefix });
  const redis = new Redis(url);
  try {
    const t0 = performance.now();
    const [result] = await materialize({ ctx, store }, ['stats'], new Date(Date.now() - 2 * 86_400_000), new Date(Date.now() + 60_000));
    const seconds = (performance.now() - t0) / 1000;
    if (result?.validationWarnings) throw new Error(`a rule failed: ${JSON.stringify(result.validationWarnings)}`);
    return { seconds, keys: result?.keysWritten ?? 0 };
  } finally {
    await store.close();
    closeEngine(ctx);
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const file = await materializeBenchData(entities, rowsPerEntity);
const plain: number[] = [];
const gated: number[] = [];
for (let run = 1; run <= runs; run++) {
  const a = await once(file, `p${run}`, []);
  plain.push(a.seconds);
  const b = await once(file, `g${run}`, RULES);
  gated.push(b.seconds);
  console.log(`run ${run}: without rules ${a.keys} keys in ${a.seconds.toFixed(2)} s; with ${RULES.length} rules ${b.keys} keys in ${b.seconds.toFixed(2)} s`);
}
const overhead = (median(gated) / median(plain) - 1) * 100;
console.log(
  `\nmedian of ${runs}: without rules ${median(plain).toFixed(2)} s, with ${RULES.length} rules ${median(gated).toFixed(2)} s: ` +
    `gate overhead ${overhead.toFixed(1)}% (target < 10%)`,
);
