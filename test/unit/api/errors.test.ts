import { describe, expect, it } from 'vitest';
import { errorReply, MethodNotAllowedError, PayloadTooLargeError, STATUS_BY_CODE, STORE_UNAVAILABLE_MESSAGE } from '../../../src/api/errors.js';
import { InvalidEntityKeyError, OnlineStoreUnavailableError } from '../../../src/online/errors.js';
import { FeatureflowError, NotFoundError } from '../../../src/registry/errors.js';

describe('error mapping', () => {
  it.each([
    [new FeatureflowError('INVALID_FEATURE_REF', 'bad ref'), 400],
    [new InvalidEntityKeyError('bad key'), 400],
    [new NotFoundError('unknown view'), 404],
    [new PayloadTooLargeError(10), 413],
  ])('answers %s with %i and its own code and message', (err, status) => {
    const reply = errorReply(err);
    expect(reply).toMatchObject({ status, code: err.code, message: err.message, isBug: false });
  });

  it("answers the store's unavailability 503 with its code but a message that names no host, port or client internals", () => {
    const err = new OnlineStoreUnavailableError('online store unavailable (last connection error: connect ECONNREFUSED 10.0.0.7:6379)');
    expect(errorReply(err)).toMatchObject({ status: 503, code: 'ONLINE_STORE_UNAVAILABLE', message: STORE_UNAVAILABLE_MESSAGE, isBug: false });
  });

  it('sends Allow with a 405 and Retry-After with a 503', () => {
    expect(errorReply(new MethodNotAllowedError('PUT', '/ready', ['GET', 'HEAD'])).headers).toEqual({ Allow: 'GET, HEAD' });
    expect(errorReply(new OnlineStoreUnavailableError('down')).headers).toEqual({ 'Retry-After': '1' });
  });

  it('answers unexpected errors 500 without leaking their message', () => {
    for (const err of [new TypeError('x is undefined'), new FeatureflowError('SOMETHING_NEW', 'secret detail'), 'thrown string']) {
      const reply = errorReply(err);
      expect(reply).toMatchObject({ status: 500, code: 'INTERNAL', isBug: true });
      expect(reply.message).not.toContain('secret');
    }
  });

  it('maps every code to a 4xx or 5xx status', () => {
    for (const status of Object.values(STATUS_BY_CODE)) expect(status).toBeGreaterThanOrEqual(400);
  });
});
