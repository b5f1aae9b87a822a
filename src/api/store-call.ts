/**
 * Every online store call the API makes goes through here: a deadline (a store that hangs must not hang the
 * request: a client waiting forever is worse than a 503) and the Redis error counter.
 */
import { OnlineStoreUnavailableError } from '../online/errors.js';
import { FeatureflowError } from '../registry/errors.js';
import type { ApiContext } from './context.js';

export async function callStore<T>(ctx: ApiContext, doing: string, call: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new OnlineStoreUnavailableError(`online store unavailable: ${doing} took longer than ${ctx.limits.storeTimeoutMs} ms`)),
      ctx.limits.storeTimeoutMs,
    );
  });
  try {
    return await Promise.race([call(), deadline]);
  } catch (err) {
    // Bad entity keys are the client's fault, not the store's.
    if (!(err instanceof FeatureflowError && err.code === 'INVALID_ENTITY_KEY')) ctx.metrics.storeError();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
