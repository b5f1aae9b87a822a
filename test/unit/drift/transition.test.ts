import { describe, expect, it } from 'vitest';
import { driftAlertPayload, driftAlertLog } from '../../../src/drift/alert.js';
import { driftAlertDue, driftAlertsDue } from '../../../src/drift/transition.js';
import { CHECKED_AT, entry } from './drift-repo.js';

describe('when a drift check alerts', () => {
  it('alerts a rise from ok (or no alert yet) to warn or alert', () => {
    expect(driftAlertDue(entry('v', 'warn', null))).toBe('drift');
    expect(driftAlertDue(entry('v', 'alert', 'ok'))).toBe('drift');
  });

  it('alerts a move between warn and alert, since the severity changed', () => {
    expect(driftAlertDue(entry('v', 'alert', 'warn'))).toBe('drift');
    expect(driftAlertDue(entry('v', 'warn', 'alert'))).toBe('drift');
  });

  it('alerts a recovery when back to ok after an alert', () => {
    expect(driftAlertDue(entry('v', 'ok', 'alert'))).toBe('recovery');
    expect(driftAlertDue(entry('v', 'ok', 'warn'))).toBe('recovery');
  });

  it('stays quiet while a level lasts, and for a view that was always ok', () => {
    expect(driftAlertDue(entry('v', 'ok', null))).toBeUndefined();
    expect(driftAlertDue(entry('v', 'ok', 'ok'))).toBeUndefined();
    expect(driftAlertDue(entry('v', 'alert', 'alert'))).toBeUndefined();
  });

  it('lists the due alerts in the order of the entries', () => {
    const due = driftAlertsDue([entry('a', 'ok', null), entry('b', 'alert', null), entry('c', 'ok', 'warn')]);
    expect(due.map((d) => [d.entry.view, d.kind])).toEqual([
      ['b', 'drift'],
      ['c', 'recovery'],
    ]);
  });
});

describe('a drift alert', () => {
  it('names the drifted features and why, with an id stable across delivery attempts', () => {
    const payload = driftAlertPayload('shop', 'drift', entry('user_stats', 'alert', 'warn'));
    expect(payload).toMatchObject({
      type: 'featureflow.drift.drift',
      id: `shop:user_stats:drift:alert:${CHECKED_AT}`,
      level: 'alert',
      previousLevel: 'warn',
      features: [{ feature: 'amount', level: 'alert', reasons: ['psi 0.3 >= 0.25'] }],
    });
    expect(payload.text).toBe(
      '[shop] feature view "user_stats" DRIFT ALERT: amount alert (psi 0.3 >= 0.25); ' +
        '2024-05-01T00:00:00.000Z to 2024-05-02T00:00:00.000Z vs 2024-04-01T00:00:00.000Z to 2024-05-01T00:00:00.000Z',
    );
  });

  it('logs the webhook origin only, never its secret path', () => {
    const line = driftAlertLog(driftAlertPayload('shop', 'recovery', entry('user_stats', 'ok', 'alert')), 'https://hooks.example.com/T0/secret');
    expect(line).toMatchObject({ level: 'info', driftLevel: 'ok', kind: 'recovery', webhook: 'https://hooks.example.com' });
    expect(JSON.stringify(line)).not.toContain('secret');
  });
});
