import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SourceError } from '../../../src/engine/errors.js';
import { AlertDeliveryError } from '../../../src/freshness/webhook.js';
import { ERROR_CODES, isErrorCode, type ErrorCode } from '../../../src/registry/error-codes.js';
import { FeatureflowError } from '../../../src/registry/errors.js';

const DOCS = new URL('../../../docs/errors.md', import.meta.url);

/** The rows of docs/errors.md's table: | `CODE` | status | yes/no | meaning |. */
function documentedCodes(): Map<string, { status: number; retryable: boolean; internal: boolean }> {
  const rows = new Map<string, { status: number; retryable: boolean; internal: boolean }>();
  for (const line of readFileSync(DOCS, 'utf8').split('\n')) {
    const m = /^\| `([A-Z_]+)` \| (\d{3}) \| (yes|no) \| (.*) \|$/.exec(line);
    if (!m) continue;
    expect(rows.has(m[1] as string), `${m[1]} is listed twice`).toBe(false);
    rows.set(m[1] as string, { status: Number(m[2]), retryable: m[3] === 'yes', internal: (m[4] as string).startsWith('internal:') });
  }
  return rows;
}

describe('error codes', () => {
  it('are documented in docs/errors.md exactly as ERROR_CODES defines them', () => {
    const documented = documentedCodes();
    const table = Object.fromEntries(
      Object.entries(ERROR_CODES).map(([code, info]) => [code, { status: info.status, retryable: info.retryable, internal: 'internal' in info }]),
    );
    expect(Object.fromEntries(documented)).toEqual(table);
  });

  it('each map to a 4xx or 5xx status', () => {
    for (const { status } of Object.values(ERROR_CODES)) {
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
    }
  });

  it('give an error its retryability unless the error says otherwise', () => {
    expect(new FeatureflowError('TEMPORAL_UNAVAILABLE', 'down').retryable).toBe(true);
    expect(new FeatureflowError('NOT_FOUND', 'no such view').retryable).toBe(false);
    expect(new AlertDeliveryError('ALERT_WEBHOOK_FAILED', '503').retryable).toBe(true);
    expect(new AlertDeliveryError('ALERT_WEBHOOK_REJECTED', '404').retryable).toBe(false);
    // SOURCE_ERROR is both: a source that cannot be read stays unreadable, a failed write may succeed next time.
    expect(new SourceError('cannot read x.csv').retryable).toBe(false);
    expect(new SourceError('writing x.parquet failed', { retryable: true }).retryable).toBe(true);
  });

  it('tell a known code from any other string', () => {
    expect(isErrorCode('NOT_FOUND')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode('not_found')).toBe(false);
    expect(isErrorCode(undefined)).toBe(false);
  });

  it('refuse a mistyped code at compile time', () => {
    // @ts-expect-error a code that is not in ERROR_CODES does not compile (tsc checks the tests too)
    const mistyped = new FeatureflowError('NOT_FOUNDD', 'typo');
    const typed: ErrorCode = mistyped.code;
    expect(isErrorCode(typed)).toBe(false);
  });
});
