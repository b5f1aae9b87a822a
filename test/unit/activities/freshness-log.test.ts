import { afterEach, describe, expect, it, vi } from 'vitest';
import { stderrAlertLog } from '../../../src/activities/freshness.js';
import { alertLog, alertPayload } from '../../../src/freshness/alert.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('default freshness alert log', () => {
  it('writes one JSON line on stderr: time, level and message first, then the alert fields', () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    const payload = alertPayload('shop', 'breach', {
      view: 'user_stats',
      status: 'stale',
      stalenessSeconds: 7200,
      maxStalenessSeconds: 3600,
      newestEventTime: '2024-05-01T10:00:00.000Z',
      lastMaterializedAt: '2024-05-01T11:59:00.000Z',
      sinceLastMaterializationSeconds: 60,
      checkedAt: '2024-05-01T12:00:00.000Z',
      lastAlert: null,
    });
    stderrAlertLog(alertLog(payload, 'https://hooks.example.com/secret'));
    expect(written).toHaveLength(1);
    expect(written[0]?.endsWith('\n')).toBe(true);
    const line = JSON.parse(written[0] as string) as Record<string, unknown>;
    expect(Object.keys(line).slice(0, 3)).toEqual(['time', 'level', 'message']);
    expect(line).toMatchObject({
      level: 'warn',
      message: payload.text,
      type: 'featureflow.freshness.breach',
      id: 'shop:user_stats:breach:2024-05-01T12:00:00.000Z',
      project: 'shop',
      view: 'user_stats',
      stalenessSeconds: 7200,
      webhook: 'https://hooks.example.com',
    });
    expect(Number.isNaN(Date.parse(line.time as string))).toBe(false);
  });
});
