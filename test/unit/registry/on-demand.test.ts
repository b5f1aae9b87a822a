/** On-demand feature views in the registry: validation with precise paths, resolution, plan/diff by source text. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineOnDemandFeatureView } from '../../../src/registry/define.js';
import { loadRepo } from '../../../src/registry/load.js';
import { ValidationError } from '../../../src/registry/errors.js';
import { resolveFeatureRefs } from '../../../src/registry/features.js';
import { planChanges, repoObjects } from '../../../src/registry/plan.js';
import type { RepoInput } from '../../../src/registry/schema.js';
import { validateRepo } from '../../../src/registry/validate.js';

function repo(odfv: Record<string, unknown>, extra: Partial<RepoInput> = {}): RepoInput {
  return {
    project: 'p',
    entities: [{ name: 'user', joinKeys: ['user_id'] }],
    sources: [{ name: 'src', type: 'table', table: 't' }],
    featureViews: [
      { name: 'stats', entities: ['user'], source: 'src', schema: [{ name: 'avg', dtype: 'float64' }, { name: 'n', dtype: 'int64' }, { name: 'seen', dtype: 'timestamp' }] },
    ],
    onDemandFeatureViews: [odfv as never],
    ...extra,
  };
}

const good = {
  name: 'ratios',
  sources: [{ view: 'stats', features: ['avg', 'n'] }],
  request: [{ name: 'amount', dtype: 'float64' }],
  schema: [{ name: 'ratio', dtype: 'float64' }],
  transform: { ratio: 'amount / nullif(avg, 0)' },
};

async function problems(input: RepoInput): Promise<Array<{ path: string; message: string }>> {
  try {
    await validateRepo(input);
  } catch (err) {
    if (err instanceof ValidationError) return err.issues;
    throw err;
  }
  return [];
}

describe('on-demand feature views in the registry', () => {
  it('accepts a JSON view and resolves its outputs like any feature, also through a service', async () => {
    const valid = await validateRepo(repo(good, { featureServices: [{ name: 'svc', features: { ratios: ['ratio'], stats: ['n'] } }] }));
    expect(resolveFeatureRefs(valid, ['ratios:*', 'service:svc'])).toEqual([
      { view: 'ratios', feature: 'ratio', dtype: 'float64', onDemand: true },
      { view: 'stats', feature: 'n', dtype: 'int64' },
    ]);
  });

  it('names the expression and the position of a parse or type error', async () => {
    const found = await problems(repo({ ...good, transform: { ratio: 'amount / (avg + ' } }));
    expect(found).toEqual([
      { path: 'onDemandFeatureViews[0].transform.ratio', message: expect.stringMatching(/^expression "amount \/ \(avg \+ " at position 17: expected a value/) },
    ]);
    const typed = await problems(repo({ ...good, transform: { ratio: "amount + 'x'" } }));
    expect(typed[0]?.message).toMatch(/at position 10: the right operand of \+ must be int or float, not string/);
    const unknown = await problems(repo({ ...good, transform: { ratio: 'amount / avgg' } }));
    expect(unknown[0]?.message).toMatch(/at position 10: unknown column "avgg"/);
  });

  it('reports unknown sources and features, clashing names and mismatched expressions, each at its path', async () => {
    const found = await problems(
      repo({
        name: 'stats',
        sources: [{ view: 'nope' }, { view: 'stats', features: ['avg', 'missing'] }],
        request: [{ name: 'avg', dtype: 'float64' }],
        schema: [{ name: 'n', dtype: 'int64' }, { name: 'out', dtype: 'timestamp' }],
        transform: { n: '1.5', extra: '1' },
      }),
    );
    const paths = found.map((p) => `${p.path}: ${p.message}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^onDemandFeatureViews\[0\]\.name: "stats" is also the name of a feature view/),
        expect.stringMatching(/^onDemandFeatureViews\[0\]\.sources\[0\]: unknown feature view "nope"/),
        expect.stringMatching(/^onDemandFeatureViews\[0\]\.sources\[1\]\.features\[1\]: feature view "stats" has no feature "missing"/),
        expect.stringMatching(/^onDemandFeatureViews\[0\]: input "avg" comes from both feature view "stats" and the request/),
        expect.stringMatching(/^onDemandFeatureViews\[0\]\.schema\[1\]\.dtype: transforms write .*not timestamp/),
        expect.stringMatching(/^onDemandFeatureViews\[0\]\.transform: no expression for output "out"/),
        expect.stringMatching(/^onDemandFeatureViews\[0\]\.transform\.extra: "extra" is not an output/),
        expect.stringMatching(/^onDemandFeatureViews\[0\]\.transform\.n: .*gives float, which output "n" \(int64\) cannot hold/),
      ]),
    );
  });

  it('refuses a TypeScript transform over a feature type it cannot read', async () => {
    const found = await problems(repo({ ...good, sources: ['stats'], transform: () => ({}) }));
    expect(found.map((p) => p.message)).toEqual([expect.stringMatching(/feature "stats:seen" has dtype timestamp/)]);
  });

  it('stores a function by its source text, so plan shows a changed transform', async () => {
    const before = await validateRepo(repo({ ...good, transform: (c: { amount: number[] }) => ({ ratio: c.amount }) }));
    const after = await validateRepo(repo({ ...good, transform: (c: { amount: number[] }) => ({ ratio: c.amount.map((a) => a * 2) }) }));
    const stored = {
      project: 'p', version: 1, appliedAt: 'x',
      objects: repoObjects(before).map((o) => ({ ...o, version: 1, updatedAt: 'x' })),
    };
    const spec = repoObjects(before).find((o) => o.kind === 'onDemandFeatureView')?.spec as { transform: string };
    expect(spec.transform).toContain('c.amount');
    const changes = planChanges(stored, after);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ kind: 'onDemandFeatureView', name: 'ratios', action: 'change', fields: [{ path: 'transform' }] });
  });

  it('loads a TypeScript repo whose transform is a function', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ff-odfv-'));
    try {
      const config = { ...repo({ ...good, transform: undefined }) };
      const text = JSON.stringify(config).replace('"onDemandFeatureViews":[{', '"onDemandFeatureViews":[{"transform":(c: Record<string, Array<number | null>>) => ({ ratio: c.amount!.map((a) => a) }),');
      writeFileSync(path.join(dir, 'featureflow.config.ts'), `export default ${text};\n`);
      const { repo: loaded } = await loadRepo(undefined, { cwd: dir });
      const transform = loaded.onDemandFeatureViews[0]?.transform;
      expect(typeof transform).toBe('function');
      expect((transform as (c: unknown) => unknown)({ amount: [1, null] })).toEqual({ ratio: [1, null] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('defineOnDemandFeatureView', () => {
  it('types the transform columns by the declared names and normalises view objects to names', () => {
    const stats = { name: 'stats' };
    const def = defineOnDemandFeatureView({
      name: 'typed',
      sources: [{ view: stats, features: ['avg'] }],
      request: [{ name: 'amount', dtype: 'float64' }],
      schema: [{ name: 'ratio', dtype: 'float64' }],
      // No `!`: both columns are known to exist (a typo such as cols.amont would not compile).
      transform: (cols) => ({ ratio: cols.amount.map((a, i) => (a === null ? null : (a as number) + ((cols.avg[i] as number | null) ?? 0))) }),
    });
    expect(def.sources).toEqual([{ view: 'stats', features: ['avg'] }]);
    const fn = def.transform as (c: unknown) => unknown;
    expect(fn({ amount: [1, null], avg: [2, 3] })).toEqual({ ratio: [3, null] });
  });
});
