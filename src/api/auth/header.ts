/**
 * Strict parsing of the Authorization header: exactly one header, `Bearer <token>` (scheme in any case, one
 * space), the token in RFC 6750's b64token charset and at most MAX_TOKEN_LENGTH characters. Anything else is
 * "malformed" (a 401): being lenient here only widens what an attacker can probe, and real clients send the one form.
 */
import type { IncomingMessage } from 'node:http';

/** Tokens made by `featureflow tokens create` are 46 characters; the cap leaves room for other generators. */
export const MAX_TOKEN_LENGTH = 256;

const BEARER_RE = /^bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

export type BearerResult = { kind: 'missing' } | { kind: 'malformed'; why: string } | { kind: 'token'; token: string };

/** The bearer token of a request, or why there is none. Never throws, whatever the bytes. */
export function bearerOf(req: Pick<IncomingMessage, 'rawHeaders'>): BearerResult {
  // Node keeps only the first of repeated Authorization headers in req.headers; two of them is a confused (or
  // smuggling) client, so the raw list is counted.
  const values: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() === 'authorization') values.push(raw[i + 1] as string);
  }
  if (values.length === 0) return { kind: 'missing' };
  if (values.length > 1) return { kind: 'malformed', why: 'more than one Authorization header' };
  return parseBearer(values[0] as string);
}

export function parseBearer(value: string): BearerResult {
  // The length check first, so the regex never runs over a huge header.
  if (value.length > 'Bearer '.length + MAX_TOKEN_LENGTH) return { kind: 'malformed', why: 'the token is too long' };
  const match = BEARER_RE.exec(value);
  if (!match) return { kind: 'malformed', why: 'expected "Bearer <token>"' };
  return { kind: 'token', token: match[1] as string };
}
