// Where tokens come from: none configured is auth off; inline JSON or a file; both at once, an unreadable file or
// an invalid one refuse to start; a reload that fails keeps the tokens in force and logs why (never the file's text).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openTokenSource, type TokenSource } from '../../../../src/api/auth/token-source.js';
import { newToken } from '../../../../src/api/auth/tokens.js';
import { silentLogger, type Logger } from '../../../../src/api/logger.js';
import { tokenFileText } from '../../../helpers/auth-server.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ff-token-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('token source', () => {
  it('is absent when no tokens are configured (auth off)', () => {
    expect(openTokenSource({ logger: silentLogger })).toBeUndefined();
  });

  it('reads inline tokens', () => {
    const t = newToken();
    const source = openTokenSource({ inline: tokenFileText({ a: t }, { a: ['admin'] }), logger: silentLogger }) as TokenSource;
    expect(source.current().find(t)?.name).toBe('a');
  });

  it('refuses inline tokens and a file together, a missing file and an invalid one', () => {
    expect(() => openTokenSource({ inline: '{"tokens":[]}', file: 'x', logger: silentLogger })).toThrow(/not both/);
    expect(() => openTokenSource({ file: path.join(dir, 'missing.json'), logger: silentLogger })).toThrow(/cannot read the token file/);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"tokens":[{"name":"a"}]}');
    expect(() => openTokenSource({ file: bad, logger: silentLogger })).toThrow(/tokens\[0\]\.sha256/);
  });

  it('keeps the tokens in force when a reload fails, and logs it without the file text', async () => {
    const file = path.join(dir, 'tokens.json');
    const t = newToken();
    writeFileSync(file, tokenFileText({ a: t }, { a: ['admin'] }));
    const errors: string[] = [];
    const logger: Logger = { info: () => {}, error: (message, fields) => void errors.push(`${message} ${JSON.stringify(fields)}`) };
    const source = openTokenSource({ file, logger, pollIntervalMs: 0 }) as TokenSource;
    try {
      writeFileSync(file, '{"tokens": ff_secret_pasted_by_mistake');
      expect(await source.reload('test')).toBe(false);
      expect(source.current().find(t)?.name).toBe('a');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain('keeping the tokens in force');
      expect(errors[0]).not.toContain('ff_secret');
      rmSync(file);
      expect(await source.reload('test')).toBe(false);
      expect(source.current().find(t)?.name).toBe('a');
    } finally {
      source.close();
    }
  });
});
