// Strict Authorization parsing: the one accepted form, and everything else malformed rather than thrown.
import { describe, expect, it } from 'vitest';
import { bearerOf, MAX_TOKEN_LENGTH, parseBearer } from '../../../../src/api/auth/header.js';

const TOKEN = 'ff_9seUBGqfOefuWCMTlEdJq8Z6DfMTSZuZWubUZoTZEdE';

describe('Authorization header', () => {
  it('accepts "Bearer <token>" with the scheme in any case', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) expect(parseBearer(`${scheme} ${TOKEN}`)).toEqual({ kind: 'token', token: TOKEN });
  });

  it("accepts RFC 6750's b64token charset, trailing '=' included", () => {
    expect(parseBearer('Bearer a-._~+/Z09==')).toEqual({ kind: 'token', token: 'a-._~+/Z09==' });
  });

  it.each([
    ['no token', 'Bearer'],
    ['an empty token', 'Bearer '],
    ['two spaces', `Bearer  ${TOKEN}`],
    ['a tab', `Bearer\t${TOKEN}`],
    ['a leading space', ` Bearer ${TOKEN}`],
    ['a trailing space', `Bearer ${TOKEN} `],
    ['another scheme', `Basic ${TOKEN}`],
    ['a prefix of the scheme', `Bear ${TOKEN}`],
    ['no scheme', TOKEN],
    ['two tokens', `Bearer ${TOKEN} ${TOKEN}`],
    ['a comma list', `Bearer ${TOKEN}, Bearer ${TOKEN}`],
    ['a character outside the charset', `Bearer ${TOKEN}!`],
    ['"=" inside the token', 'Bearer ab=cd'],
    ['unicode', `Bearer ${TOKEN}é`],
    ['a newline', `Bearer ${TOKEN}\n`],
    ['a NUL byte', `Bearer ${TOKEN}\u0000`],
  ])('calls %s malformed', (_what, value) => {
    expect(parseBearer(value).kind).toBe('malformed');
  });

  it('caps the token length before matching', () => {
    expect(parseBearer(`Bearer ${'a'.repeat(MAX_TOKEN_LENGTH)}`).kind).toBe('token');
    expect(parseBearer(`Bearer ${'a'.repeat(MAX_TOKEN_LENGTH + 1)}`)).toEqual({ kind: 'malformed', why: 'the token is too long' });
    expect(parseBearer('Bearer ' + 'a'.repeat(10_000_000)).kind).toBe('malformed');
  });

  it('finds the header in the raw list in any case, and refuses more than one', () => {
    expect(bearerOf({ rawHeaders: ['Host', 'x'] })).toEqual({ kind: 'missing' });
    expect(bearerOf({ rawHeaders: ['AUTHORIZATION', `Bearer ${TOKEN}`] })).toEqual({ kind: 'token', token: TOKEN });
    expect(bearerOf({ rawHeaders: ['authorization', `Bearer ${TOKEN}`, 'Authorization', `Bearer ${TOKEN}`] }).kind).toBe('malformed');
  });
});
