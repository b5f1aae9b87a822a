/**
 * The engine's computeDrift, loaded on first use: the worker and the CLI start (and run everything else) even in a
 * build without src/engine/stats/drift.ts, and a drift check there fails with DRIFT_UNAVAILABLE naming what is
 * missing instead of a module-not-found stack. The specifier is built at run time on purpose, so the type checker
 * and the dependency graph do not require the module to exist.
 */
import { FeatureflowError } from '../registry/errors.js';
import type { ComputeDriftFn } from './compute.js';

// This module's own extension (a loader may add a query): .ts from the sources, .js once built.
const OWN_EXTENSION = new URL(import.meta.url).pathname.endsWith('.ts') ? '.ts' : '.js';
const DRIFT_MODULE = new URL(`../engine/stats/drift${OWN_EXTENSION}`, import.meta.url).href;

/** The computeDrift of the module at `url`; exported for tests of the failure messages. */
export async function loadComputeDrift(url: string = DRIFT_MODULE): Promise<ComputeDriftFn> {
  let mod: unknown;
  try {
    mod = await import(url);
  } catch (err) {
    throw new FeatureflowError('DRIFT_UNAVAILABLE', `the drift engine (engine/stats/drift) could not be loaded: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  const fn = typeof mod === 'object' && mod !== null ? (mod as { computeDrift?: unknown }).computeDrift : undefined;
  if (typeof fn !== 'function') throw new FeatureflowError('DRIFT_UNAVAILABLE', 'engine/stats/drift does not export a computeDrift function');
  return fn as ComputeDriftFn;
}

let loaded: Promise<ComputeDriftFn> | undefined;

/** A computeDrift that loads the real one on its first call (a failed load is tried again next time). */
export const lazyComputeDrift: ComputeDriftFn = async (ctx, view, opts) => {
  loaded ??= loadComputeDrift().catch((err: unknown) => {
    loaded = undefined;
    throw err;
  });
  return (await loaded)(ctx, view, opts);
};
