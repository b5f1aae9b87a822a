// Scope parsing and the per-view checks: services grant the views they use (on-demand views' sources included),
// view scopes one view, write scopes writes only, admin everything; hashed tokens are found only when exact.
import { describe, expect, it } from 'vitest';
import { parseScope, ScopeSet, serviceViews, type Scope } from '../../../../src/api/auth/scopes.js';
import { newToken, tokenDigest, TokenSet } from '../../../../src/api/auth/tokens.js';
import { authRepo } from '../../../helpers/auth-server.js';

const repo = authRepo();
const set = (...texts: string[]): ScopeSet => new ScopeSet(texts.map((t) => parseScope(t) as Scope));

describe('scopes', () => {
  it('parses the four kinds and refuses anything else', () => {
    expect(parseScope('admin')).toEqual({ kind: 'admin' });
    expect(parseScope('service:*')).toEqual({ kind: 'service', name: '*' });
    expect(parseScope('write:live_stats')).toEqual({ kind: 'write', name: 'live_stats' });
    for (const bad of ['', 'Admin', 'admin:x', 'view:', 'view:a:b', 'push:live', 'view:a*', 'view:1abc', 'view: x']) expect(parseScope(bad), bad).toBeUndefined();
  });

  it('grants a service the views it lists and the sources of its on-demand views', () => {
    expect([...serviceViews(repo, 'fraud_v1')].sort()).toEqual(['merchant_stats', 'user_stats']);
    expect([...serviceViews(repo, 'scoring')].sort()).toEqual(['derived', 'user_stats']);
    expect(serviceViews(repo, 'missing').size).toBe(0);
    const fraud = set('service:fraud_v1');
    expect(fraud.canRead(repo, 'user_stats')).toBe(true);
    expect(fraud.canRead(repo, 'user_profile')).toBe(false);
    expect(fraud.coversService('fraud_v1')).toBe(true);
    expect(fraud.coversService('scoring')).toBe(false);
  });

  it('grants service:* the views of every service, not every view', () => {
    const any = set('service:*');
    expect(any.canRead(repo, 'derived')).toBe(true);
    expect(any.canRead(repo, 'user_profile')).toBe(false);
  });

  it('keeps reads and writes apart; admin has both', () => {
    const writer = set('write:live_stats');
    expect(writer.canReadSomething()).toBe(false);
    expect(writer.canWrite('live_stats')).toBe(true);
    expect(writer.canWrite('user_stats')).toBe(false);
    const reader = set('view:*');
    expect(reader.canWriteSomething()).toBe(false);
    expect(reader.canRead(repo, 'anything')).toBe(true);
    const admin = set('admin');
    expect(admin.canRead(repo, 'user_profile') && admin.canWrite('user_stats') && admin.coversService('x')).toBe(true);
  });
});

describe('token set', () => {
  it('finds a token by its exact value only', () => {
    const a = newToken();
    const b = newToken();
    const tokens = new TokenSet([
      { name: 'a', digest: tokenDigest(a), scopes: [{ kind: 'admin' }] },
      { name: 'b', digest: tokenDigest(b), scopes: [{ kind: 'view', name: 'x' }] },
    ]);
    expect(tokens.find(a)?.name).toBe('a');
    expect(tokens.find(b)?.name).toBe('b');
    for (const near of [a.slice(0, -1), `${a}x`, a.toUpperCase(), ` ${a}`, '']) expect(tokens.find(near)).toBeUndefined();
  });

  it('makes distinct high-entropy tokens in the header charset', () => {
    const made = new Set(Array.from({ length: 100 }, newToken));
    expect(made.size).toBe(100);
    for (const t of made) expect(t).toMatch(/^ff_[A-Za-z0-9_-]{43}$/);
  });
});
