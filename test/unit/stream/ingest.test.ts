import { describe, expect, it } from 'vitest';
import { StreamPositionConflictError } from '../../../src/stream/errors.js';
import { runStreamIngest, type StreamIngestOptions } from '../../../src/stream/ingest.js';
import type { EventRules } from '../../../src/stream/events.js';
import { FakeReader, FakeSink, fakePartials, messageLog, type FakeRow } from '../../helpers/stream-fakes.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const rules: EventRules = { joinKeys: ['card'], timestampField: 'ts', allowedLatenessMicros: 60_000_000 };
const ev = (card: string, amount: number, ts: number = NOW - 1000): Record<string, unknown> => ({ card, amount, ts });

/** Runs the loop until the reader has nothing left (its second empty poll aborts, so the first one is handled). */
async function runUntilDrained(reader: FakeReader, sink: FakeSink, extra: Partial<StreamIngestOptions<FakeRow>> = {}) {
  const controller = new AbortController();
  let empty = 0;
  reader.onEmpty = () => {
    if (++empty === 2) controller.abort();
  };
  return runStreamIngest({ view: 'tx', rules, reader, sink, partials: fakePartials, signal: controller.signal, now: () => NOW, batchMax: 3, ...extra });
}

describe('runStreamIngest', () => {
  it('folds every event into the tiles, reads and sends the next batch while one is written, and acknowledges each only after its write', async () => {
    const reader = new FakeReader(messageLog([ev('a', 1), ev('b', 2), ev('a', 3), ev('a', 4), ev('b', 5)]));
    const sink = new FakeSink(reader.calls);
    const progress = await runUntilDrained(reader, sink);
    expect(sink.sum('a')).toBe(8);
    expect(sink.sum('b')).toBe(7);
    expect(reader.calls).toEqual([
      'open {}',
      // The next batch is read while the previous one is written, and sent before that write's reply; each is
      // acknowledged after its write.
      'next 3', 'apply {"0":"3"}',
      'next 2', 'apply {"0":"5"}', 'ack {"0":"3"}',
      'next 0', 'ack {"0":"5"}', 'next 0', 'close',
    ]);
    expect(sink.state).toMatchObject({ positions: { '0': '5' }, events: 5, late: 0, invalid: 0, watermarkMicros: (NOW - 1000) * 1000 });
    expect(progress).toMatchObject({ events: 5, batches: 2, runEvents: 5, positions: { '0': '5' } });
  });

  it('opens the reader at the stored positions and carries the stored counters on', async () => {
    const reader = new FakeReader(messageLog([ev('a', 1), ev('a', 2), ev('a', 3)]));
    const sink = new FakeSink(reader.calls);
    sink.state = { positions: { '0': '2' }, watermarkMicros: 5, events: 2, late: 1, invalid: 4, updatedAtMs: 0, caughtUpAtMs: 0, pending: 0 };
    const progress = await runUntilDrained(reader, sink);
    expect(reader.opened).toEqual({ '0': '2' });
    expect(sink.sum('a')).toBe(3);
    expect(sink.state).toMatchObject({ events: 3, late: 1, invalid: 4 });
    expect(progress).toMatchObject({ events: 3, runEvents: 1 });
  });

  it('never counts twice what a broker redelivers after a crash between the write and the ack', async () => {
    const log = messageLog([ev('a', 1), ev('a', 10), ev('a', 100), ev('a', 1000)]);
    const sink = new FakeSink();
    const first = new FakeReader(log.slice(0, 3));
    await runUntilDrained(first, sink);
    expect(sink.sum('a')).toBe(111);
    // The broker forgot the acks (crash before them): it hands everything out again from the start.
    const second = new FakeReader(log);
    second.replayFrom = 0;
    await runUntilDrained(second, sink);
    expect(sink.sum('a')).toBe(1111);
    expect(sink.state?.events).toBe(4);
    expect(second.acked).toEqual({ '0': '4' });
  });

  it('acknowledges a batch holding only applied positions without writing', async () => {
    const reader = new FakeReader(messageLog([ev('a', 1), ev('a', 2)]));
    const sink = new FakeSink(reader.calls);
    sink.state = { positions: { '0': '2' }, watermarkMicros: 0, events: 2, late: 0, invalid: 0, updatedAtMs: 0, caughtUpAtMs: 0, pending: 0 };
    reader.replayFrom = 0;
    await runUntilDrained(reader, sink);
    expect(reader.calls).toEqual(['open {"0":"2"}', 'next 2', 'ack {"0":"2"}', 'next 0', 'next 0', 'close']);
    expect(sink.applies).toEqual([]);
  });

  it('throws a retryable StreamPositionConflictError and acknowledges nothing when another consumer wrote meanwhile', async () => {
    const reader = new FakeReader(messageLog([ev('a', 1), ev('a', 2)]));
    const sink = new FakeSink(reader.calls);
    sink.beforeApply = () => {
      sink.state = { positions: { '0': '1' }, watermarkMicros: 0, events: 1, late: 0, invalid: 0, updatedAtMs: 0, caughtUpAtMs: 0, pending: 0 };
    };
    const error = await runUntilDrained(reader, sink).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamPositionConflictError);
    expect(error).toMatchObject({ code: 'STREAM_POSITION_CONFLICT', retryable: true });
    expect(reader.calls).toEqual(['open {}', 'next 2', 'apply stale', 'next 0', 'close']);
    expect(sink.rows).toEqual([]);
  });

  it('counts invalid and late messages, reports the first invalid ones, and moves past them', async () => {
    const invalid: string[] = [];
    const reader = new FakeReader(
      messageLog([ev('a', 1, NOW - 1000), 'oops', { amount: 3, ts: NOW }, ev('a', 2, NOW - 120_000), ev('a', 4, NOW - 30_000)]),
    );
    const sink = new FakeSink();
    sink.state = { positions: {}, watermarkMicros: NOW * 1000, events: 0, late: 0, invalid: 0, updatedAtMs: 0, caughtUpAtMs: 0, pending: 0 };
    await runUntilDrained(reader, sink, { batchMax: 10, onInvalid: (s) => invalid.push(...s.map((x) => `${x.position}: ${x.reason}`)) });
    expect(sink.state).toMatchObject({ positions: { '0': '5' }, events: 2, late: 1, invalid: 2, watermarkMicros: NOW * 1000 });
    expect(sink.sum('a')).toBe(5);
    expect(invalid).toEqual([expect.stringMatching(/^2: not JSON/), '3: join key "card" is missing or null']);
  });

  it('counts events whose key the partials could not type as invalid, and passes on count_distinct overflow', async () => {
    const reader = new FakeReader(messageLog([ev('a', 1), ev('b', 2), ev('c', 3)]));
    const sink = new FakeSink();
    const partials = {
      aggregate: async () => ({ rows: [{ card: 'a', amount: 1 }], untypedKeys: 2, overflow: 7 }),
    };
    const progress = await runUntilDrained(reader, sink, { partials });
    expect(sink.applies[0]).toMatchObject({ events: 1, invalid: 2, overflow: 7 });
    expect(progress).toMatchObject({ events: 1, invalid: 2, runEvents: 1 });
  });

  it('judges lateness against the watermark stored before the batch, then raises it to the greatest event time', async () => {
    // Batch 1: a new event and one 2 minutes older than it; both count (the watermark before was 0).
    // Batch 2: an event 2 minutes before batch 1's newest is now late.
    const reader = new FakeReader(messageLog([ev('a', 1, NOW), ev('a', 2, NOW - 120_000), ev('a', 4, NOW - 120_000)]));
    const sink = new FakeSink();
    await runUntilDrained(reader, sink, { batchMax: 2 });
    expect(sink.sum('a')).toBe(3);
    expect(sink.state).toMatchObject({ events: 2, late: 1, watermarkMicros: NOW * 1000 });
  });

  it('marks a consumer with nothing left in the broker as caught up on an empty poll', async () => {
    const reader = new FakeReader(messageLog([ev('a', 1)]));
    const sink = new FakeSink();
    await runUntilDrained(reader, sink);
    expect(sink.touches).toEqual([{ updatedAtMs: NOW, pending: 0, caughtUpAtMs: NOW }]);
  });

  it('asks the broker for its lag at most every pendingEveryMs while idle, and still refreshes liveness each poll', async () => {
    const reader = new FakeReader([]);
    const sink = new FakeSink();
    const controller = new AbortController();
    let polls = 0;
    reader.onEmpty = () => {
      if (++polls === 6) controller.abort();
    };
    let t = NOW;
    await runStreamIngest({ view: 'tx', rules, reader, sink, partials: fakePartials, signal: controller.signal, now: () => (t += 400), pendingEveryMs: 1000 });
    // polls at +400, +800, ... +2000 (the 6th aborts): asked at +400, +1600 (+1200 after), then not again
    expect(reader.pendingCalls).toBe(2);
    expect(sink.touches.map((x) => x.updatedAtMs - NOW)).toEqual([400, 800, 1200, 1600, 2000]);
    expect(sink.touches.every((x) => x.caughtUpAtMs === x.updatedAtMs)).toBe(true);
  });

  it('does not mark a consumer caught up on an empty poll when the broker says a batch or more waits', async () => {
    const reader = new FakeReader([]);
    reader.pendingAnswer = 3;
    const sink = new FakeSink();
    await runUntilDrained(reader, sink);
    expect(sink.touches).toEqual([{ updatedAtMs: NOW, pending: 3 }]);
  });

  it('marks a busy consumer caught up only when what is pending fits in the next batch', async () => {
    const reader = new FakeReader(messageLog(Array.from({ length: 9 }, () => ev('a', 1))));
    const sink = new FakeSink();
    let t = NOW;
    await runUntilDrained(reader, sink, { now: () => (t += 1000), pendingEveryMs: 0 });
    // pending after each batch of 3: 6, 3, 0 (batchMax 3: caught up when < 3)
    expect(sink.applies.map((a) => [a.pending, a.caughtUpAtMs !== undefined])).toEqual([[6, false], [3, false], [0, true]]);
  });

  it('marks an idle consumer caught up on an empty poll even when the broker cannot say what is pending', async () => {
    const reader = new FakeReader([]);
    reader.pendingAnswer = undefined;
    const sink = new FakeSink();
    await runUntilDrained(reader, sink);
    // pending: the last value known (none stored: 0)
    expect(sink.touches).toEqual([{ updatedAtMs: NOW, pending: 0, caughtUpAtMs: NOW }]);
  });

  it('closes the reader when writing fails and passes the error on', async () => {
    const reader = new FakeReader(messageLog([ev('a', 1)]));
    const sink = new FakeSink();
    sink.beforeApply = () => {
      throw new Error('redis went away');
    };
    await expect(runUntilDrained(reader, sink)).rejects.toThrow('redis went away');
    expect(reader.closed).toBe(true);
    expect(reader.acked).toEqual({});
  });

  it('stops without writing or acknowledging what it read after the signal aborted', async () => {
    const reader = new FakeReader(messageLog([ev('a', 1)]));
    const sink = new FakeSink(reader.calls);
    const controller = new AbortController();
    const next = reader.next.bind(reader);
    reader.next = async (max: number) => {
      const out = await next(max);
      controller.abort();
      return out;
    };
    await runStreamIngest({ view: 'tx', rules, reader, sink, partials: fakePartials, signal: controller.signal });
    expect(reader.calls).toEqual(['open {}', 'next 1', 'close']);
  });
});
