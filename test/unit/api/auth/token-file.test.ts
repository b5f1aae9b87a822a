// The token file's schema: accepted entries, and errors that name the offending entry path without echoing secrets.
import { describe, expect, it } from 'vitest';
import { parseTokenFile } from '../../../../src/api/auth/token-file.js';
import { ValidationError } from '../../../../src/registry/errors.js';

const HASH = 'a'.repeat(64);
const HASH2 = 'b'.repeat(64);
const parse = (value: unknown): ReturnType<typeof parseTokenFile> => parseTokenFile(JSON.stringify(value), 'token file t.json');

function problems(value: unknown): string[] {
  try {
    parseTokenFile(typeof value === 'string' ? value : JSON.stringify(value), 'token file t.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected a ValidationError');
}

describe('token file', () => {
  it('reads names, digests and scopes', () => {
    const [entry] = parse({ tokens: [{ name: 'fraud-scorer', sha256: HASH, scopes: ['service:fraud_v1', 'view:*', 'write:live', 'admin'] }] });
    expect(entry?.name).toBe('fraud-scorer');
    expect(entry?.digest).toEqual(Buffer.from(HASH, 'hex'));
    expect(entry?.scopes).toEqual([{ kind: 'service', name: 'fraud_v1' }, { kind: 'view', name: '*' }, { kind: 'write', name: 'live' }, { kind: 'admin' }]);
  });

  it('accepts an empty list (auth on, nobody let in)', () => {
    expect(parse({ tokens: [] })).toEqual([]);
  });

  it('names the entry path of a bad scope, a bad hash and a missing name', () => {
    const found = problems({ tokens: [{ name: 'ok', sha256: HASH, scopes: ['view:x'] }, { sha256: 'ff_plaintexttoken', scopes: ['view:x', 'root'] }] });
    expect(found.some((p) => p.startsWith('tokens[1].name:'))).toBe(true);
    expect(found.some((p) => p.startsWith('tokens[1].sha256:') && p.includes('64 lowercase hex'))).toBe(true);
    expect(found.some((p) => p.startsWith('tokens[1].scopes[1]:') && p.includes('admin'))).toBe(true);
    expect(found.join('\n')).not.toContain('ff_plaintexttoken');
  });

  it('refuses unknown fields, empty scope lists and scopes with bad names', () => {
    expect(problems({ tokens: [{ name: 'a', sha256: HASH, scopes: [], extra: 1 }] })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^tokens\[0\]: unknown field.*extra/), expect.stringMatching(/^tokens\[0\]\.scopes: /)]),
    );
    expect(problems({ tokens: [{ name: 'a', sha256: HASH, scopes: ['view:bad-name'] }] })[0]).toMatch(/^tokens\[0\]\.scopes\[0\]:/);
    expect(problems({ tokens: [{ name: 'a', sha256: HASH, scopes: ['VIEW:x'] }] })[0]).toMatch(/^tokens\[0\]\.scopes\[0\]:/);
  });

  it('refuses duplicate names and duplicate tokens', () => {
    const found = problems({
      tokens: [
        { name: 'a', sha256: HASH, scopes: ['admin'] },
        { name: 'a', sha256: HASH2, scopes: ['admin'] },
        { name: 'b', sha256: HASH, scopes: ['admin'] },
      ],
    });
    expect(found).toEqual(['tokens[1].name: "a" is also the name of tokens[0]', 'tokens[2].sha256: the same token as tokens[0]']);
  });

  it('says "not valid JSON" without quoting the text', () => {
    expect(problems('{"tokens": [ff_secret')).toEqual([': not valid JSON']);
  });

  it('refuses a file that is not an object with a tokens list', () => {
    expect(problems([])[0]).toMatch(/^: /);
    expect(problems({})[0]).toMatch(/^tokens: /);
  });
});
