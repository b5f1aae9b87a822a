import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { toActivityFailure } from '../../../src/activities/failures.js';
import { sendValidationAlert, validationAlertPayload, type ValidationAlertLog } from '../../../src/activities/validation-alert.js';
import { ValidationFailedError } from '../../../src/engine/validation/gate.js';

const warning = { index: 1, rule: 'in', feature: 'country', failed: 2, message: 'in "country": 2 of 10 rows not in the allowed values', examples: [{ key: 'i4', value: 'XX' }] };
const payload = validationAlertPayload('shop', 'payments', '2024-05-01T12:00:00.000Z', [warning]);

async function receiver(status: number): Promise<{ url: string; bodies: unknown[]; close: () => void }> {
  const bodies: unknown[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      bodies.push({ body: JSON.parse(text) as unknown, key: req.headers['idempotency-key'] });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies, close: () => server.close() };
}

describe('validation warn alerts', () => {
  it('log one line and POST the payload to the freshness alerts webhook, keyed by the run', async () => {
    const hook = await receiver(200);
    const lines: ValidationAlertLog[] = [];
    try {
      await sendValidationAlert(payload, hook.url, (l) => lines.push(l));
    } finally {
      hook.close();
    }
    expect(lines).toMatchObject([{ level: 'warn', type: 'featureflow.validation.warn', view: 'payments', webhook: hook.url.replace('/hook', '') }]);
    expect(lines[0]?.message).toMatch(/\[shop\] feature view "payments" .* 1 failed warn rule\(s\): validation\[1\] in "country": 2 of 10 .*e\.g\. i4/);
    expect(hook.bodies).toMatchObject([{ body: { id: 'shop:payments:validation:2024-05-01T12:00:00.000Z', warnings: [warning] }, key: payload.id }]);
  });

  it('log a refused delivery and do not fail the run', async () => {
    const hook = await receiver(400);
    const lines: ValidationAlertLog[] = [];
    try {
      await sendValidationAlert(payload, hook.url, (l) => lines.push(l));
    } finally {
      hook.close();
    }
    expect(lines[1]?.message).toMatch(/^validation alert not delivered: .*answered 400/);
  });
});

describe('a blocked materialization', () => {
  it('fails its activity without retries, under VALIDATION_FAILED', () => {
    const report = { view: 'v', rows: 1, results: [{ index: 0, rule: 'notNull' as const, feature: 'x', action: 'block' as const, failed: 1, examples: [], message: 'notNull "x": 1 of 1 rows NULL' }] };
    const failure = toActivityFailure(new ValidationFailedError(report, 'materializing'));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'VALIDATION_FAILED', nonRetryable: true });
  });
});
