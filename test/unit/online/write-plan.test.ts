// Cluster grouping is checked here without a cluster: a multi-key script or MGET must only ever see keys of one slot.
import { describe, expect, it } from 'vitest';
import { keySlot, rowKey } from '../../../src/online/keys.js';
import { groupBySlot } from '../../../src/online/slot-groups.js';
import type { EncodedRow, ViewLayout } from '../../../src/online/types.js';
import { expiryAtMs, planWrites, type WriteBatch } from '../../../src/online/write-plan.js';
import { clusterUnits } from '../../../src/online/write-runner.js';

const layout: ViewLayout = {
  project: 'p',
  view: 'v',
  features: ['x'],
  dtypes: ['int64'],
  joinKeys: ['id'],
  keyTypes: ['int64'],
  ttlSeconds: 3600,
};
const NOW = 1_714_557_600_000;

function rows(n: number, eventMs = NOW): EncodedRow[] {
  return Array.from({ length: n }, (_, i) => ({ key: `i${i}`, eventMicros: eventMs * 1000, createdMicros: i % 2 ? null : 7, payload: `[${i}]` }));
}

describe('write planning', () => {
  it('computes PXAT from event time plus TTL, none without a TTL', () => {
    expect(expiryAtMs(1_000_999, 10)).toBe(1000 + 10_000);
    expect(expiryAtMs(1_000_999, 0)).toBe(0);
  });

  it('drops rows whose TTL already ran out and counts them', () => {
    const old = rows(3, NOW - 3600_000); // expires exactly now: already gone
    const fresh = rows(2, NOW - 3599_000).map((r) => ({ ...r, key: `s${r.key}` }));
    const plan = planWrites([...old, ...fresh], { prefix: 'ff', layout, schemaId: 'ab', nowMs: NOW, batchSize: 200, bySlot: false });
    expect(plan.skippedExpired).toBe(3);
    expect(plan.batches.flatMap((b) => b.keys)).toEqual(['ff:p:{si0}:v', 'ff:p:{si1}:v']);
    expect(plan.batches[0]?.argv.slice(0, 2)).toEqual([`${(NOW - 3599_000) * 1000},7,ab;[0]`, String(NOW + 1000)]);
  });

  it('standalone: batches of at most batchSize keys in input order', () => {
    const plan = planWrites(rows(450), { prefix: 'ff', layout: { ...layout, ttlSeconds: 0 }, schemaId: 'ab', nowMs: NOW, batchSize: 200, bySlot: false });
    expect(plan.batches.map((b) => b.keys.length)).toEqual([200, 200, 50]);
    expect(plan.batches.flatMap((b) => b.keys)).toEqual(rows(450).map((r) => rowKey('ff', 'p', 'v', r.key)));
    for (const b of plan.batches) expect(b.argv.length).toBe(2 * b.keys.length);
    expect(plan.batches[0]?.argv[1]).toBe('0');
  });

  it('cluster: every batch lies in one slot, every row is planned once, batches stay bounded', () => {
    // Keys 0..4999 spread over thousands of slots; add many rows sharing slots via the same entity key.
    const input = [...rows(5000), ...Array.from({ length: 500 }, (_, i) => ({ key: 'shot', eventMicros: NOW * 1000 + i, createdMicros: null, payload: '[1]' }))];
    const plan = planWrites(input, { prefix: 'ff', layout, schemaId: 'ab', nowMs: NOW, batchSize: 200, bySlot: true });
    let total = 0;
    for (const batch of plan.batches) {
      expect(batch.keys.length).toBeLessThanOrEqual(200);
      expect(new Set(batch.keys.map(keySlot)).size).toBe(1);
      total += batch.keys.length;
    }
    expect(total).toBe(input.length);
    const hot = plan.batches.filter((b) => b.keys[0] === 'ff:p:{shot}:v');
    expect(hot.map((b) => b.keys.length)).toEqual([200, 200, 100]);
    // Rows of one key keep their order, so the script applies them oldest to newest as given.
    const events = hot.flatMap((b) => b.argv.filter((_, i) => i % 2 === 0)).map((v) => Number(v.split(',')[0]));
    expect(events).toEqual(input.slice(5000).map((r) => r.eventMicros));
  });
});

describe('slot grouping', () => {
  it('groups items by the slot of their key, in order', () => {
    const keys = ['{a}1', 'b', '{a}2', 'c', '{a}3'];
    const groups = groupBySlot(keys, (k) => k);
    expect(groups.get(keySlot('{a}'))).toEqual(['{a}1', '{a}2', '{a}3']);
    expect([...groups.values()].flat().sort()).toEqual([...keys].sort());
  });
});

describe('cluster pipelines', () => {
  const batch = (slot: number, keys: number): WriteBatch => ({ keys: Array.from({ length: keys }, (_, i) => `k${slot}-${i}`), argv: [], slot });
  // Three nodes owning slots 0-99, 100-199, 200+.
  const nodeOf = (slot: number): string => (slot < 100 ? 'n1' : slot < 200 ? 'n2' : 'n3');

  it('puts only batches of one node in a pipeline, bounded in calls and keys, every batch once', () => {
    const batches = Array.from({ length: 300 }, (_, i) => batch(i, 1 + (i % 5)));
    const units = clusterUnits(batches, nodeOf, 16, 40);
    for (const unit of units) {
      expect(new Set(unit.map((b) => nodeOf(b.slot as number))).size).toBe(1);
      expect(unit.length).toBeLessThanOrEqual(16);
      expect(unit.reduce((n, b) => n + b.keys.length, 0)).toBeLessThanOrEqual(40);
    }
    expect(units.flat().map((b) => b.slot).sort((x, y) => (x as number) - (y as number))).toEqual(batches.map((b) => b.slot));
  });

  it('keeps the batches of one slot in plan order', () => {
    const batches = [batch(5, 3), batch(150, 1), batch(5, 2), batch(5, 4)];
    const units = clusterUnits(batches, nodeOf, 2, 100);
    const slot5 = units.flat().filter((b) => b.slot === 5);
    expect(slot5.map((b) => b.keys.length)).toEqual([3, 2, 4]);
  });
});
