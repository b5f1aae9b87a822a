/** The parser-based check on repo SQL: one SELECT per query, one expression per column or filter. */
import { describe, expect, it } from 'vitest';
import { checkExpression, checkSelectQuery, UnsafeSqlError } from '../../../src/engine/sql-guard.js';

async function refusal(check: Promise<void>): Promise<UnsafeSqlError> {
  try {
    await check;
  } catch (err) {
    if (err instanceof UnsafeSqlError) return err;
    throw err;
  }
  throw new Error('expected the SQL to be refused');
}

describe('checkSelectQuery', () => {
  it.each([
    'SELECT 1 AS user_id',
    'WITH a AS (SELECT 1 AS x) SELECT * FROM a',
    'SELECT 1 AS x UNION ALL SELECT 2',
    'FROM (SELECT 1 AS x)',
    'VALUES (1, 2)',
    "SELECT * FROM read_parquet('data/*.parquet') -- a trailing comment",
    'SELECT 1 AS x /* a closed comment */',
  ])('accepts one SELECT: %s', async (query) => {
    await expect(checkSelectQuery(query, 'sql source "s"')).resolves.toBeUndefined();
  });

  it('refuses the issue\'s injection that closes the parenthesis and COPYs to a file, saying what it becomes', async () => {
    const attack =
      "SELECT 1 AS user_id, now() AS event_timestamp); COPY (SELECT 'pwned' AS x) TO '/tmp/pwned.csv'; SELECT * FROM (SELECT 1";
    const err = await refusal(checkSelectQuery(attack, 'sql source "evil"'));
    expect(err.code).toBe('UNSAFE_SQL');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/^sql source "evil" must be exactly one SELECT/);
    expect(err.message).toMatch(/3 statements/);
  });

  it('names the number of statements when there are several', async () => {
    const err = await refusal(checkSelectQuery('SELECT 1; SELECT 2', 'sql source "two"'));
    expect(err.message).toMatch(/found 2 statements/);
  });

  it.each([
    ["COPY (SELECT 1) TO '/tmp/x.csv'", /COPY/],
    ["ATTACH '/tmp/other.db' AS other", /ATTACH/],
    ['INSTALL httpfs', /LOAD/],
    ['LOAD httpfs', /LOAD/],
    ['SET enable_external_access = true', /SET/],
    ['CREATE TABLE t AS SELECT 1', /CREATE/],
    ['PRAGMA version', /statement/],
  ])('refuses a statement that is not a SELECT: %s', async (query, kind) => {
    const err = await refusal(checkSelectQuery(query, 'sql source "s"'));
    expect(err.message).toMatch(kind);
  });

  it('refuses a SELECT followed by another statement of another kind', async () => {
    const err = await refusal(checkSelectQuery("SELECT 1; ATTACH '/tmp/x.db'", 'sql source "s"'));
    expect(err.message).toMatch(/2 statements \(SELECT, ATTACH\)/);
  });

  it('refuses a trailing semicolon, which would break the query once placed in parentheses', async () => {
    const err = await refusal(checkSelectQuery('SELECT 1;', 'view "v": the transform SQL'));
    expect(err.message).toMatch(/trailing ";"/);
  });

  it('refuses an empty query and an unterminated comment', async () => {
    expect((await refusal(checkSelectQuery('  ', 'q'))).message).toMatch(/no statement/);
    expect((await refusal(checkSelectQuery('SELECT 1 /* open', 'q'))).message).toMatch(/syntax error/);
  });
});

describe('checkExpression', () => {
  it.each([
    "event_type = 'PURCHASE'",
    'amount > 10 AND (status IS NULL OR status <> 2)',
    'CAST(amount AS DOUBLE) * 2',
    "amount IN (SELECT 1) -- a comment",
    'x = 1\n',
  ])('accepts one expression: %s', async (text) => {
    await expect(checkExpression(text, 'filter')).resolves.toBeUndefined();
  });

  it.each([
    ["1) FROM read_text('/etc/passwd') WHERE (1", /FROM clause/],
    ["x) OR (1", /closes its parenthesis/],
    ['x) = (1', /closes its parenthesis/],
    ['x)::DECIMAL(1', /closes its parenthesis/],
    ['x).__ff_guard_expression(', /closes its parenthesis/],
    ["1); COPY (SELECT 1) TO '/tmp/x.csv'; SELECT (1", /syntax error|statements/],
    ['1) GROUP BY (1', /GROUP BY/],
    ['1), (2', /more than one select item/],
    ['', /no expression/],
  ])('refuses text that closes its parenthesis or is not one expression: %s', async (text, found) => {
    const err = await refusal(checkExpression(text, 'view "v", aggregation "n": the filter'));
    expect(err.code).toBe('UNSAFE_SQL');
    expect(err.message).toMatch(/^view "v", aggregation "n": the filter must be exactly one SQL expression/);
    expect(err.message).toMatch(found);
  });
});
