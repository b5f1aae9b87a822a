import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/api/logger.js';
import { Metrics } from '../../../src/api/metrics.js';
import { ServedLog } from '../../../src/api/served-log.js';
import type { EngineContext } from '../../../src/engine/context.js';
import type { FeatureColumn } from '../../../src/online/types.js';
import { apiRepo } from '../../helpers/api-repo.js';

const noEngine = (): Promise<EngineContext> => Promise.reject(new Error('no engine in unit tests'));

function column(values: number[]): FeatureColumn {
  return { values, statuses: values.map(() => 'PRESENT'), eventMicros: values.map(() => 1) };
}

/** fraud_v1 serves user_stats:avg_amount, user_stats:clicks and merchant_stats:rating. */
const columns = (rows: number): FeatureColumn[] => [0, 1, 2].map(() => column(Array.from({ length: rows }, (_, i) => i)));

describe('ServedLog', () => {
  it('samples only requests made with a logged service, at its rate', () => {
    const draws = [0.1, 0.3, 0.2, 0.9];
    const log = new ServedLog({
      repo: apiRepo(),
      targets: [{ service: 'fraud_v1', rate: 0.25 }],
      engine: noEngine,
      metrics: new Metrics(),
      logger: silentLogger,
      random: () => draws.shift() ?? 1,
    });
    expect(log.sample(undefined)).toBe(false);
    expect(log.sample('other')).toBe(false);
    expect([log.sample('fraud_v1'), log.sample('fraud_v1'), log.sample('fraud_v1'), log.sample('fraud_v1')]).toEqual([true, false, true, false]);
  });

  it('drops what does not fit in the queue and counts the dropped rows in the metrics', () => {
    const metrics = new Metrics();
    const log = new ServedLog({
      repo: apiRepo(),
      targets: [{ service: 'fraud_v1', rate: 1 }],
      engine: noEngine,
      metrics,
      logger: silentLogger,
      capacityRows: 5,
    });
    log.record('fraud_v1', { user_id: [1, 2, 3], merchant_id: ['a', 'b', 'c'] }, columns(3));
    log.record('fraud_v1', { user_id: [4, 5, 6], merchant_id: ['d', 'e', 'f'] }, columns(3));
    log.record('fraud_v1', { user_id: [7, 8], merchant_id: ['g', 'h'] }, columns(2));
    expect(log.dropped).toBe(3);
    const text = metrics.render();
    expect(text).toContain('featureflow_served_log_rows_total{service="fraud_v1",result="queued"} 5');
    expect(text).toContain('featureflow_served_log_rows_total{service="fraud_v1",result="dropped"} 3');
  });

  it('counts the rows of a failed write as failed instead of throwing', async () => {
    const metrics = new Metrics();
    const log = new ServedLog({ repo: apiRepo(), targets: [{ service: 'fraud_v1', rate: 1 }], engine: noEngine, metrics, logger: silentLogger });
    log.record('fraud_v1', { user_id: [1, 2], merchant_id: ['a', 'b'] }, columns(2));
    await log.close();
    expect(metrics.render()).toContain('featureflow_served_log_rows_total{service="fraud_v1",result="failed"} 2');
  });

  it('refuses an unknown service and a rate outside (0, 1]', () => {
    const base = { repo: apiRepo(), engine: noEngine, metrics: new Metrics(), logger: silentLogger };
    expect(() => new ServedLog({ ...base, targets: [{ service: 'nope', rate: 1 }] })).toThrow(/unknown feature service "nope"/);
    expect(() => new ServedLog({ ...base, targets: [{ service: 'fraud_v1', rate: 0 }] })).toThrow(/must be in \(0, 1\]/);
  });
});
