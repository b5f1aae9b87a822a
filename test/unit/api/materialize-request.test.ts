import { describe, expect, it } from 'vitest';
import { parseMaterializeIncrementalRequest, parseMaterializeRequest } from '../../../src/api/materialize-request.js';
import { apiRepo } from '../../helpers/api-repo.js';

const repo = apiRepo({ url: 'redis://127.0.0.1:6379', keyPrefix: 'unit' });
const NOW = Date.parse('2024-06-01T12:00:00Z');
const onlineViews = repo.featureViews.filter((v) => v.online).map((v) => v.name);
const someView = onlineViews[0] as string;

describe("Feast's MaterializeRequest", () => {
  it('takes every field Feast 0.67 sends, naive timestamps as UTC, and ignores fields it does not know', () => {
    const request = parseMaterializeRequest(
      { start_ts: '2024-01-01T00:00:00', end_ts: '2024-01-02 06:00:00', feature_views: [someView], disable_event_timestamp: false, full_feature_names: true, version: null, client: 'x' },
      repo,
      NOW,
    );
    expect(request).toEqual({ views: [someView], start: '2024-01-01T00:00:00.000Z', end: '2024-01-02T06:00:00.000Z' });
  });

  it('materializes every online view when feature_views is absent or null', () => {
    expect(parseMaterializeRequest({ start_ts: '2024-01-01', end_ts: '2024-01-02', feature_views: null }, repo, NOW).views).toEqual(onlineViews);
  });

  it('with disable_event_timestamp runs from 1970 to now, as Feast does', () => {
    expect(parseMaterializeRequest({ disable_event_timestamp: true }, repo, NOW)).toMatchObject({ start: '1970-01-01T00:00:00.000Z', end: '2024-06-01T12:00:00.000Z' });
  });

  it('says what is wrong: missing range, reversed range, bad timestamp, versions, empty view list', () => {
    expect(() => parseMaterializeRequest({ end_ts: '2024-01-02' }, repo, NOW)).toThrow(/start_ts and end_ts are required/);
    expect(() => parseMaterializeRequest({ start_ts: '2024-01-02', end_ts: '2024-01-02' }, repo, NOW)).toThrow(/must be before end_ts/);
    expect(() => parseMaterializeRequest({ start_ts: 'yesterday', end_ts: '2024-01-02' }, repo, NOW)).toThrow(/start_ts: "yesterday" is not an ISO-8601/);
    expect(() => parseMaterializeRequest({ start_ts: '2024-01-01', end_ts: '2024-01-02', version: 'v2' }, repo, NOW)).toThrow(/versions are not supported/);
    expect(() => parseMaterializeRequest({ start_ts: '2024-01-01', end_ts: '2024-01-02', feature_views: [] }, repo, NOW)).toThrow(/list at least one view/);
  });

  it('answers 404 for an unknown view and refuses a misspelt field', () => {
    expect(() => parseMaterializeRequest({ start_ts: '2024-01-01', end_ts: '2024-01-02', feature_views: ['nope'] }, repo, NOW)).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
    expect(() => parseMaterializeRequest({ start_ts: '2024-01-01', end_tz: '2024-01-02' }, repo, NOW)).toThrow(/did you mean "end_ts"/);
  });
});

describe("Feast's MaterializeIncrementalRequest", () => {
  it('refuses an end_ts later than now, which would freeze the watermarks until then', () => {
    expect(() => parseMaterializeIncrementalRequest({ end_ts: '2099-01-01' }, repo, NOW)).toThrow(/end_ts \(2099-01-01\) is later than now/);
    expect(parseMaterializeIncrementalRequest({ end_ts: '2024-06-01T12:04:00Z' }, repo, NOW).end).toBe('2024-06-01T12:04:00.000Z');
  });

  it('requires end_ts and resolves the views', () => {
    expect(parseMaterializeIncrementalRequest({ end_ts: '2024-01-05T00:00:00+02:00' }, repo)).toEqual({ views: onlineViews, end: '2024-01-04T22:00:00.000Z' });
    expect(() => parseMaterializeIncrementalRequest({}, repo)).toThrow(/end_ts: must be an ISO-8601/);
  });
});
