/**
 * Making, hashing and checking tokens. A token is 32 random bytes (256 bits), so a plain sha256 is enough to store
 * it: there is nothing to brute-force, unlike a password, and a slow hash (bcrypt, scrypt) would only slow every
 * request down. Checks compare digests with timingSafeEqual against every entry, with no early exit.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ScopeSet } from './scopes.js';
import type { TokenEntry } from './token-file.js';

/** Recognisable in logs and secret scanners; the rest is base64url, inside the header's allowed charset. */
export const TOKEN_PREFIX = 'ff_';

export function newToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export interface Principal {
  /** The token's name from the token file (for logs; never the token). */
  name: string;
  scopes: ScopeSet;
}

/** The tokens in force; replaced as a whole on reload. */
export class TokenSet {
  private readonly entries: ReadonlyArray<{ digest: Buffer; principal: Principal }>;

  constructor(entries: readonly TokenEntry[]) {
    this.entries = entries.map((e) => ({ digest: e.digest, principal: { name: e.name, scopes: new ScopeSet(e.scopes) } }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The principal a token belongs to, or undefined. Time depends on the number of entries only. */
  find(token: string): Principal | undefined {
    const digest = tokenDigest(token);
    let found: Principal | undefined;
    for (const entry of this.entries) {
      // Both digests are 32 bytes (the file schema checks it), as timingSafeEqual requires.
      if (timingSafeEqual(entry.digest, digest)) found = entry.principal;
    }
    return found;
  }
}
