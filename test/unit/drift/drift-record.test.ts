import { describe, expect, it } from 'vitest';
import { formatDriftAlert, formatDriftRecord, parseDriftAlert, parseDriftRecord } from '../../../src/online/drift-record.js';
import { CHECKED_AT, report } from './drift-repo.js';

describe('drift records in Redis', () => {
  it('round-trips a report and an alert state', () => {
    const record = { checkedAt: CHECKED_AT, report: report('v', 'warn') };
    expect(parseDriftRecord('v', formatDriftRecord('v', record))).toEqual(record);
    expect(parseDriftAlert('v', formatDriftAlert('v', { level: 'ok', at: CHECKED_AT }))).toEqual({ level: 'ok', at: CHECKED_AT });
  });

  it('calls a stored value another tool mangled corrupt, naming the view and the field', () => {
    expect(() => parseDriftRecord('v', '{"checkedAt":"yesterday"}')).toThrow(expect.objectContaining({ code: 'ONLINE_VALUE_CORRUPT' }));
    expect(() => parseDriftAlert('v', '{"level":"bad","at":"2024-05-01T00:00:00Z"}')).toThrow(/drift alert state of "v" is invalid: level/);
    expect(() => parseDriftAlert('v', 'not json')).toThrow(/stored drift alert state of "v" is not JSON/);
  });
});
