// One default for every Redis client in the project, matching scripts/setup.mjs, which starts a server there
// when none answers.
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** REDIS_URL if set (and non-empty), else the local default. */
export function redisUrl(): string {
  return process.env.REDIS_URL || DEFAULT_REDIS_URL;
}
