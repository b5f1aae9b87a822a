import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIsoMicros } from '../../../src/online/timestamp.js';
import { eventMicros, INVALID_SAMPLES, parseEvents, utcIsoMicros, type EventRules } from '../../../src/stream/events.js';

const rules: EventRules = { joinKeys: ['card', 'merchant'], timestampField: 'ts', allowedLatenessMicros: 60_000_000 };
const NOW = Date.parse('2026-01-01T12:00:00Z');
const enc = (v: unknown): Uint8Array => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const msgs = (...values: unknown[]) => values.map((v, i) => ({ partition: '0', position: String(i + 1), data: enc(v) }));
const ctx = { watermarkMicros: 0, nowMs: NOW };

describe('eventMicros', () => {
  it('reads ISO 8601 with a zone, without one as UTC, and keeps microseconds', () => {
    expect(eventMicros('2026-01-01T11:00:00Z', 'ts')).toBe(Date.parse('2026-01-01T11:00:00Z') * 1000);
    expect(eventMicros('2026-01-01T11:00:00', 'ts')).toBe(Date.parse('2026-01-01T11:00:00Z') * 1000);
    expect(eventMicros('2026-01-01T12:30:00+01:30', 'ts')).toBe(Date.parse('2026-01-01T11:00:00Z') * 1000);
    expect(eventMicros('2026-01-01T11:00:00.123456Z', 'ts')).toBe(Date.parse('2026-01-01T11:00:00Z') * 1000 + 123_456);
  });

  it('reads a number as epoch milliseconds', () => {
    expect(eventMicros(1_767_265_200_000, 'ts')).toBe(1_767_265_200_000_000);
    expect(eventMicros(1.5, 'ts')).toBe(1500);
  });

  it('gives a reason for a missing, unparsable or non-time value', () => {
    expect(eventMicros(undefined, 'ts')).toMatch(/"ts" is missing or null/);
    expect(eventMicros(null, 'ts')).toMatch(/"ts" is missing or null/);
    expect(eventMicros('yesterday', 'ts')).toMatch(/not an ISO 8601 time or epoch milliseconds: "yesterday"/);
    expect(eventMicros('2026-02-30T00:00:00Z', 'ts')).toMatch(/not an ISO 8601/);
    expect(eventMicros('1767265200000', 'ts')).toMatch(/not an ISO 8601/);
    expect(eventMicros(true, 'ts')).toMatch(/not an ISO 8601/);
    expect(eventMicros(Number.NaN, 'ts')).toMatch(/not a valid epoch milliseconds/);
    expect(eventMicros(1e300, 'ts')).toMatch(/not a valid epoch milliseconds/);
  });
});

describe('parseEvents', () => {
  it('keeps valid events with their position, time and object, and the greatest time', () => {
    const out = parseEvents(msgs({ card: 'c1', merchant: 7, ts: '2026-01-01T11:00:00Z', amount: 3 }, { card: 'c2', merchant: 8, ts: NOW - 1000 }), rules, ctx);
    expect(out.invalid).toBe(0);
    expect(out.late).toBe(0);
    const first = { card: 'c1', merchant: 7, ts: '2026-01-01T11:00:00Z', amount: 3 };
    const second = { card: 'c2', merchant: 8, ts: NOW - 1000 };
    expect(out.events).toEqual([
      { partition: '0', position: '1', micros: Date.parse('2026-01-01T11:00:00Z') * 1000, json: JSON.stringify(first), record: first },
      { partition: '0', position: '2', micros: (NOW - 1000) * 1000, json: JSON.stringify(second), record: second },
    ]);
    expect(out.maxMicros).toBe((NOW - 1000) * 1000);
  });

  it('counts each kind of invalid message with its position and reason, never throwing', () => {
    const data = [
      '{not json',
      '[1,2]',
      'null',
      '',
      { merchant: 1, ts: NOW },
      { card: null, merchant: 1, ts: NOW },
      { card: { id: 1 }, merchant: 1, ts: NOW },
      { card: 'c', merchant: 1 },
      { card: 'c', merchant: 1, ts: 'soon' },
      { card: 'c', merchant: 1, ts: NOW + 5 * 60_000 + 1 },
    ];
    const out = parseEvents(msgs(...data), rules, ctx);
    expect(out.events).toEqual([]);
    expect(out.invalid).toBe(data.length);
    expect(out.invalidSamples).toHaveLength(INVALID_SAMPLES);
    expect(out.invalidSamples.map((s) => s.position)).toEqual(['1', '2', '3', '4', '5']);
    expect(out.invalidSamples[0]?.reason).toMatch(/^not JSON/);
    expect(out.invalidSamples[1]?.reason).toMatch(/^not a JSON object: \[1,2\]/);
    expect(out.invalidSamples[2]?.reason).toMatch(/^not a JSON object: null/);
    expect(out.invalidSamples[3]?.reason).toBe('empty message');
    expect(out.invalidSamples[4]?.reason).toBe('join key "card" is missing or null');
    const rest = parseEvents(msgs(...data.slice(5)), rules, ctx).invalidSamples.map((s) => s.reason);
    expect(rest).toEqual([
      'join key "card" is missing or null',
      'join key "card" is not a string, number or boolean: {"id":1}',
      'time field "ts" is missing or null',
      'time field "ts" is not an ISO 8601 time or epoch milliseconds: "soon"',
      expect.stringMatching(/more than 5 minutes ahead of the clock/),
    ]);
  });

  it('refuses bytes that are not UTF-8', () => {
    const out = parseEvents([{ partition: '0', position: '9', data: new Uint8Array([0x7b, 0xff, 0x7d]) }], rules, ctx);
    expect(out.invalid).toBe(1);
    expect(out.invalidSamples[0]?.reason).toMatch(/^not JSON/);
  });

  it('refuses an event escaping half a surrogate pair, which DuckDB would refuse with its whole batch, and keeps whole pairs', () => {
    const texts = [
      `{"card":"c","merchant":"\\ud800","ts":${NOW}}`,
      `{"card":"c","\\udc00":1,"ts":${NOW}}`,
      `{"card":"c","tags":["ok","\\ud83d"],"ts":${NOW}}`,
      `{"card":"c","merchant":"\\ud83d\\ude00 \\u00e9","ts":${NOW}}`,
    ];
    const enc = new TextEncoder();
    const out = parseEvents(texts.map((t, i) => ({ partition: '0', position: String(i + 1), data: enc.encode(t) })), rules, ctx);
    expect(out.invalidSamples.map((s) => [s.position, s.reason])).toEqual(
      ['1', '2', '3'].map((p) => [p, 'holds a lone UTF-16 surrogate escape (e.g. "\\ud800"): not Unicode text']),
    );
    expect(out.events.map((e) => e.record['merchant'])).toEqual(['\u{1F600} \u00e9']);
  });

  it('accepts an event exactly 5 minutes ahead of the clock', () => {
    const out = parseEvents(msgs({ card: 'c', merchant: 1, ts: NOW + 5 * 60_000 }), rules, ctx);
    expect(out.events).toHaveLength(1);
  });

  it('drops as late only events before the watermark minus the allowed lateness, whatever their order', () => {
    const watermark = NOW * 1000;
    const edge = watermark - rules.allowedLatenessMicros;
    const out = parseEvents(
      msgs(
        { card: 'a', merchant: 1, ts: NOW - 30_000 }, // within lateness: kept
        { card: 'b', merchant: 1, ts: edge / 1000 }, // exactly at the bound: kept
        { card: 'c', merchant: 1, ts: edge / 1000 - 1 }, // 1 ms past: late
        { card: 'd', merchant: 1, ts: NOW - 3_600_000 }, // an hour old: late
      ),
      rules,
      { watermarkMicros: watermark, nowMs: NOW },
    );
    expect(out.events.map((e) => (JSON.parse(e.json) as { card: string }).card)).toEqual(['a', 'b']);
    expect(out.late).toBe(2);
    expect(out.invalid).toBe(0);
    expect(out.maxMicros).toBe((NOW - 30_000) * 1000);
  });

  it('reports no greatest time for a batch without valid events', () => {
    expect(parseEvents(msgs('x'), rules, ctx).maxMicros).toBeUndefined();
  });
});

describe('utcIsoMicros (the fast path for UTC ISO times)', () => {
  it('equals the general parser for any instant and fraction length it accepts', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59) }), fc.integer({ min: 0, max: 999_999 }), fc.integer({ min: 0, max: 6 }), (ms, micros, digits) => {
        const base = new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19);
        const text = digits === 0 ? `${base}Z` : `${base}.${String(micros).padStart(6, '0').slice(0, digits)}Z`;
        expect(utcIsoMicros(text)).toBe(Number(parseIsoMicros(text)));
      }),
    );
  });

  it('leaves impossible dates, early years and other shapes to the general parser', () => {
    for (const text of ['2024-02-30T00:00:00Z', '2023-02-29T00:00:00Z', '2024-13-01T00:00:00Z', '2024-01-01T24:00:00Z', '0099-01-01T00:00:00Z', '2024-01-01T00:00:00+01:00', '2024-01-01 00:00:00Z',
      '2024-01-01T00:00:00.Z', '2024-01-01T00:00:00,5Z', '2024-01-01T00:00:0aZ', '2024-01-01T00:00:00.1234567Z', '2024-01-01T00:00:00.12a4Z', '+024-01-01T00:00:00Z']) {
      expect(utcIsoMicros(text)).toBeUndefined();
    }
    expect(utcIsoMicros('2024-02-29T23:59:59.5Z')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59) * 1000 + 500_000);
  });
});
