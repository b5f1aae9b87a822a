import { mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STALE_TEMP_MS, sweepStaleTemps, tempPathFor } from '../../../src/engine/compute/layout.js';

function folder(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'ff-stale-temps-'));
}

describe('sweepStaleTemps', () => {
  it('deletes temp files a dead writer left more than an hour ago and keeps fresh ones and row files', async () => {
    const dir = folder();
    const stale = tempPathFor(path.join(dir, '0_86400000000.parquet'));
    const fresh = tempPathFor(path.join(dir, '86400000000_172800000000.parquet'));
    for (const file of [stale, fresh, path.join(dir, '0_86400000000.parquet'), path.join(dir, 'notes.tmp')]) {
      writeFileSync(file, 'x');
    }
    const old = (Date.now() - STALE_TEMP_MS - 60_000) / 1000;
    utimesSync(stale, old, old);
    utimesSync(path.join(dir, 'notes.tmp'), old, old);

    expect(await sweepStaleTemps(dir)).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(
      [path.basename(fresh), '0_86400000000.parquet', 'notes.tmp'].sort(),
    );
  });

  it('is a no-op on a folder that does not exist', async () => {
    expect(await sweepStaleTemps(path.join(folder(), 'missing'))).toBe(0);
  });
});
