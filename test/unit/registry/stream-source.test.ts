// Stream sources in the registry: broker shapes, the batch source behind them, the views they feed, and tile sizes.
import { describe, expect, it } from 'vitest';
import { tileSecondsOrProblem, firstWindowTile, retainedTiles, validateRepo } from '../../../src/registry/index.js';
import { problemsOf, specRepo } from '../../fixtures/repos/helpers.js';

const NATS = { kind: 'nats', stream: 'TXN', subject: 'txn.>', durable: 'ff_live' };

function withStream(source: Record<string, unknown> = {}, aggregation: Record<string, unknown> = {}) {
  const repo = specRepo();
  repo.sources.push({ name: 'txn_stream', type: 'stream', batchSource: 'transactions', broker: NATS, ...source });
  repo.featureViews.push({
    name: 'live_txn', entities: ['user'], source: 'txn_stream',
    aggregation: { cadence: '1m', windows: ['5m', '1h'], features: [{ name: 'txn_count', function: 'count' }], ...aggregation },
  });
  return repo;
}

describe('stream sources', () => {
  it('default the broker URL, the timestamp field and the allowed lateness', async () => {
    const repo = await validateRepo(withStream());
    expect(repo.sources[1]).toEqual({
      name: 'txn_stream', type: 'stream', batchSource: 'transactions', timestampField: 'event_timestamp', allowedLateness: '1m',
      broker: { ...NATS, url: 'nats://127.0.0.1:4222' },
    });
  });

  it('accept Redis Streams and Kafka brokers', async () => {
    await validateRepo(withStream({ broker: { kind: 'redis-stream', key: 'txn', group: 'ff' } }));
    await validateRepo(withStream({ broker: { kind: 'kafka', brokers: ['127.0.0.1:9092'], topic: 'txn', groupId: 'ff' } }));
  });

  it('say which broker field is wrong', async () => {
    expect(await problemsOf(withStream({ broker: { ...NATS, stream: 'TXN.live' } }))).toEqual([
      'sources[1].broker.stream: must hold only letters, digits, "_" and "-" (no dots, spaces or wildcards)',
    ]);
    expect(await problemsOf(withStream({ broker: { kind: 'kafka', brokers: [], topic: 't', groupId: 'g' } }))).toEqual([
      'sources[1].broker.brokers: list at least one broker',
    ]);
    const problems = await problemsOf(withStream({ broker: { kind: 'mqtt' } }));
    expect(problems[0]).toMatch(/^sources\[1\]\.broker\.kind: "mqtt" is not allowed/);
  });

  it('refuse a created timestamp field: events have none', async () => {
    expect(await problemsOf(withStream({ createdTimestampField: 'created' }))).toEqual([
      'sources[1].createdTimestampField: stream events have no created time; leave createdTimestampField out',
    ]);
  });

  it('need a batch source that holds rows', async () => {
    expect(await problemsOf(withStream({ batchSource: 'nope' }))).toEqual([
      'sources[1].batchSource: unknown source "nope"; known sources: transactions, txn_stream',
    ]);
    expect(await problemsOf(withStream({ batchSource: 'txn_stream' }))).toContain(
      'sources[1].batchSource: "txn_stream" is a stream source; a batch source must be a file, table or sql source holding the same events',
    );
  });

  it('feed only aggregation views whose windows fit a tile', async () => {
    const plain = withStream();
    plain.featureViews.push({ name: 'raw', entities: ['user'], source: 'txn_stream', schema: [{ name: 'amount', dtype: 'float64' }] });
    expect(await problemsOf(plain)).toEqual([
      'featureViews[3].aggregation: the view reads stream source "txn_stream", so it needs an aggregation (what is folded into tiles and served)',
    ]);
    expect(await problemsOf(withStream({}, { tile: '7m' }))).toEqual([
      'featureViews[2].aggregation.tile: tile 7m does not divide window 300s: pick a tile every window is a multiple of',
    ]);
    const batch = specRepo();
    batch.featureViews[0].aggregation = { cadence: '1h', windows: ['1d'], features: [{ name: 'n', function: 'count' }], tile: '1h' };
    delete batch.featureViews[0].schema;
    expect(await problemsOf(batch)).toContain(
      'featureViews[0].aggregation.tile: only views on a stream source are tiled; a batch aggregation is computed at its cadence',
    );
  });
});

describe('tile sizes', () => {
  it('take a fifth of the shortest window, at most a minute under a day and an hour beyond', () => {
    expect(tileSecondsOrProblem({ windows: ['5m', '1h'] })).toBe(60);
    expect(tileSecondsOrProblem({ windows: ['1m'] })).toBe(10);
    expect(tileSecondsOrProblem({ windows: ['1h', '1d'] })).toBe(300);
    expect(tileSecondsOrProblem({ windows: ['7d', '30d'] })).toBe(3600);
    expect(tileSecondsOrProblem({ windows: [7, 14] })).toBe(1);
  });

  it('honour an explicit tile, and refuse one that cuts a window into too many tiles', () => {
    expect(tileSecondsOrProblem({ windows: ['1h'], tile: '5m' })).toBe(300);
    expect(tileSecondsOrProblem({ windows: ['30d'], tile: '1m' })).toMatch(/43200 tiles \(at most 2000\)/);
  });

  it('round a window start down to its tile', () => {
    // 12:03:30 with a 5-minute window and 1-minute tiles starts at the tile holding 11:58:30, i.e. 11:58:00.
    const at = (12 * 3600 + 3 * 60 + 30) * 1e6;
    expect(firstWindowTile(at, 300e6, 60e6)).toBe(11 * 60 + 58);
    expect(retainedTiles([300, 3600], 60, 60)).toBe(63);
  });
});
