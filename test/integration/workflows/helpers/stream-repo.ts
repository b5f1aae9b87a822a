/**
 * A repo with one view on a stream source (NATS; no broker is touched: the ingest loop is faked in these tests) and
 * one plain view, for the streamIngest workflow, the ingestStream activity and `featureflow stream`. No data files:
 * the activity only loads the repo and checks the view.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { redisUrl } from '../../../helpers/redis.js';

export const STREAM_PROJECT = 'st';
export const STREAM_VIEW = 'card_txn';
export const PLAIN_VIEW = 'card_plain';

export interface StreamRepo {
  dir: string;
  config: string;
  cleanup(): void;
}

export function createStreamRepo(): StreamRepo {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ff-stream-wf-'));
  const config = path.join(dir, 'featureflow.json');
  const repo = {
    project: STREAM_PROJECT,
    offlineStore: { path: 'offline' },
    onlineStore: { url: redisUrl(), keyPrefix: `ffst${process.pid}` },
    entities: [{ name: 'card', joinKeys: ['card_id'], valueType: 'int64' }],
    sources: [
      { name: 'txn_batch', type: 'file', path: 'data/txn.parquet', timestampField: 'event_timestamp' },
      { name: 'txn_stream', type: 'stream', batchSource: 'txn_batch', broker: { kind: 'nats', stream: 'TXN', subject: 'txn.>', durable: 'ff' } },
    ],
    featureViews: [
      {
        name: STREAM_VIEW,
        entities: ['card'],
        source: 'txn_stream',
        aggregation: { cadence: '1m', windows: ['5m'], features: [{ name: 'txn_count', function: 'count' }] },
      },
      { name: PLAIN_VIEW, entities: ['card'], source: 'txn_batch', schema: [{ name: 'amount', dtype: 'float64' }] },
    ],
  };
  writeFileSync(config, JSON.stringify(repo, null, 2));
  return { dir, config, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
