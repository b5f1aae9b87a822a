import { describe, expect, it } from 'vitest';
import { loadComputeDrift } from '../../../src/drift/engine-loader.js';

describe('loading the drift engine', () => {
  it('fails with DRIFT_UNAVAILABLE naming the module when it cannot be loaded', async () => {
    const missing = new URL('./no-such-drift-module.js', import.meta.url).href;
    await expect(loadComputeDrift(missing)).rejects.toMatchObject({ code: 'DRIFT_UNAVAILABLE', message: expect.stringContaining('engine/stats/drift') });
  });

  it('fails with DRIFT_UNAVAILABLE when the module has no computeDrift function', async () => {
    const other = new URL('../../../src/drift/transition.ts', import.meta.url).href;
    await expect(loadComputeDrift(other)).rejects.toMatchObject({ code: 'DRIFT_UNAVAILABLE', message: 'engine/stats/drift does not export a computeDrift function' });
  });
});
