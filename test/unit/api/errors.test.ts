import { describe, expect, it } from 'vitest';
import { errorReply, MethodNotAllowedError, PayloadTooLargeError, STORE_UNAVAILABLE_MESSAGE } from '../../../src/api/errors.js';
import { InvalidRequestError, SourceError } from '../../../src/engine/errors.js';
import { WorkflowAlreadyRunningError } from '../../../src/client/connection.js';
import { InvalidEntityKeyError, InvalidFeatureValueError, OnlineStoreError, OnlineStoreUnavailableError } from '../../../src/online/errors.js';
import { ERROR_CODES, type ErrorCode } from '../../../src/registry/error-codes.js';
import { FeatureflowError, NotFoundError } from '../../../src/registry/errors.js';

describe('error mapping', () => {
  it.each([
    [new FeatureflowError('INVALID_FEATURE_REF', 'bad ref'), 400],
    [new InvalidEntityKeyError('bad key'), 400],
    [new NotFoundError('unknown view'), 404],
    [new PayloadTooLargeError(10), 413],
    // Each of these fell through to 500 INTERNAL before every code had its status in ERROR_CODES.
    [new InvalidFeatureValueError('"abc" is not a valid int64'), 400],
    [new FeatureflowError('INVALID_BACKFILL_INPUT', 'backfill input is invalid'), 400],
    [new FeatureflowError('END_IN_FUTURE', 'END is later than now'), 400],
    [new FeatureflowError('NOTHING_TO_COMPUTE', 'view is not computed'), 400],
    [new WorkflowAlreadyRunningError('featureflow:p:backfill:x', 'a backfill', 'default'), 409],
    [new FeatureflowError('WORKER_CLOSED', 'the worker is shutting down'), 503],
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
    // A code outside ERROR_CODES does not compile, but may still arrive cast from outside (a Temporal failure type).
    const uncharted = new FeatureflowError('SOMETHING_NEW' as string as ErrorCode, 'secret detail');
    for (const err of [new TypeError('x is undefined'), uncharted, 'thrown string']) {
      const reply = errorReply(err);
      expect(reply).toMatchObject({ status: 500, code: 'INTERNAL', isBug: true });
      expect(reply.message).not.toContain('secret');
    }
  });

  it('answers codes marked internal as a 500 INTERNAL bug, without their message (Redis replies, file paths)', () => {
    for (const err of [new OnlineStoreError('WRONGTYPE secret reply'), new SourceError('cannot read /secret/path.csv')]) {
      const reply = errorReply(err);
      expect(reply).toMatchObject({ status: 500, code: 'INTERNAL', isBug: true });
      expect(reply.message).not.toContain('secret');
    }
  });

  it('answers every code that is not internal with its own status, code and message', () => {
    for (const [code, info] of Object.entries(ERROR_CODES) as Array<[ErrorCode, (typeof ERROR_CODES)[ErrorCode]]>) {
      if ('internal' in info || code === 'ONLINE_STORE_UNAVAILABLE') continue;
      expect(errorReply(new FeatureflowError(code, 'why'))).toMatchObject({ status: info.status, code, message: 'why', isBug: false });
    }
  });

  it('keeps a 400 an engine error says is a bad request', () => {
    expect(errorReply(new InvalidRequestError('entity column missing'))).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
  });
});
