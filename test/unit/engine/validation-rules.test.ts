/**
 * The validation gate's query: one aggregate over a relation gives every rule's failure count and its first
 * examples in key order, and the judgement turns counts into failed/held per rule.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateRules } from '../../../src/engine/validation/evaluate.js';
import { enforceReport, ValidationFailedError } from '../../../src/engine/validation/gate.js';
import { gateQuery } from '../../../src/engine/validation/rule-sql.js';
import { ValidationRuleSchema, type ValidationRule } from '../../../src/registry/quality-schema.js';
import { testEngine, type TestEngine } from '../../helpers/engine.js';

let engine: TestEngine;
beforeAll(async () => {
  engine = await testEngine(
    { project: 'gate', entities: [], sources: [], featureViews: [] },
    {
      // 10 rows: id 1..10; amount = id * 10 except a NULL at id 3; country 'FR' except 'XX' at ids 4 and 9; id 7 twice.
      rows: `SELECT * FROM (VALUES
        (1, 10.0, 'FR'), (2, 20.0, 'FR'), (3, NULL, 'FR'), (4, 40.0, 'XX'), (5, 50.0, 'FR'),
        (6, 60.0, 'FR'), (7, 70.0, 'FR'), (7, 71.0, 'FR'), (9, 90.0, 'XX'), (10, 100.0, 'FR')
      ) t(id, amount, country)`,
    },
  );
});
afterAll(() => engine.close());

const relation = { from: 'rows', keyExpr: 'id', keyColumns: ['id'] };
const rule = (input: Record<string, unknown>): ValidationRule => ValidationRuleSchema.parse(input);

async function check(input: Record<string, unknown>) {
  const report = await engine.ctx.db.withConnection((conn) => evaluateRules(conn, 'v', [rule(input)], relation));
  return report.results[0]!;
}

describe('validation rules', () => {
  it('notNull counts NULL values and shows their keys', async () => {
    expect(await check({ rule: 'notNull', feature: 'amount' })).toMatchObject({ failed: 1, examples: [{ key: '3', value: null }] });
    expect(await check({ rule: 'notNull', feature: 'country' })).toMatchObject({ failed: 0, examples: [] });
  });

  it('range fails values outside min..max and lets NULL through', async () => {
    const result = await check({ rule: 'range', feature: 'amount', min: 15, max: 90 });
    expect(result.failed).toBe(2);
    expect(result.examples.map((e) => e.key)).toEqual(['1', '10']);
    expect((await check({ rule: 'range', feature: 'amount', max: 1000 })).failed).toBe(0);
  });

  it('in fails values outside the list', async () => {
    const result = await check({ rule: 'in', feature: 'country', values: ['FR', 'DE'] });
    expect(result).toMatchObject({ failed: 2, examples: [{ key: '4', value: 'XX' }, { key: '9', value: 'XX' }] });
  });

  it('maxNullRate fails only above the rate', async () => {
    expect((await check({ rule: 'maxNullRate', feature: 'amount', max: 0.05 })).failed).toBe(1);
    expect((await check({ rule: 'maxNullRate', feature: 'amount', max: 0.1 })).failed).toBe(0);
  });

  it('unique counts duplicated keys and names them', async () => {
    expect(await check({ rule: 'unique' })).toMatchObject({ failed: 1, examples: [{ key: '7' }] });
    expect((await check({ rule: 'unique', feature: 'amount' })).failed).toBe(0);
  });

  it('rowCountBetween judges the number of rows', async () => {
    expect((await check({ rule: 'rowCountBetween', min: 1, max: 10 })).failed).toBe(0);
    expect((await check({ rule: 'rowCountBetween', max: 5 })).failed).toBe(10);
    expect((await check({ rule: 'rowCountBetween', min: 11 })).message).toMatch(/10 rows \(expected 11\.\.any\)/);
  });

  it('sql fails rows where the predicate is false or NULL', async () => {
    const result = await check({ rule: 'sql', name: 'positive', predicate: 'amount > 30' });
    expect(result.failed).toBe(3);
    expect(result.examples.map((e) => e.key)).toEqual(['1', '2', '3']);
  });

  it('keeps at most 5 examples, the same ones on every run', async () => {
    const first = await check({ rule: 'range', feature: 'amount', max: 0 });
    expect(first.examples).toHaveLength(5);
    expect(await check({ rule: 'range', feature: 'amount', max: 0 })).toEqual(first);
  });

  it('computes every rule in one statement', () => {
    const sql = gateQuery([rule({ rule: 'notNull', feature: 'a' }), rule({ rule: 'in', feature: 'b', values: ['x'] })], relation);
    expect(sql.match(/\bFROM\b/g)).toHaveLength(1);
  });
});

describe('enforceReport', () => {
  it('throws VALIDATION_FAILED for a failed block rule, naming rule, feature and examples', async () => {
    const rules = [rule({ rule: 'notNull', feature: 'amount' }), rule({ rule: 'in', feature: 'country', values: ['FR'], action: 'warn' })];
    const report = await engine.ctx.db.withConnection((conn) => evaluateRules(conn, 'payments', rules, relation));
    const error = (() => {
      try {
        enforceReport(report, 'materializing');
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(ValidationFailedError);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', retryable: false });
    expect((error as Error).message).toMatch(/view "payments".*\n.*validation\[0\] notNull "amount": 1 of 10 rows NULL; e\.g\. 3/);
  });

  it('hands back failed warn rules and goes on', async () => {
    const rules = [rule({ rule: 'in', feature: 'country', values: ['FR'], action: 'warn' })];
    const report = await engine.ctx.db.withConnection((conn) => evaluateRules(conn, 'payments', rules, relation));
    expect(enforceReport(report, 'materializing')).toMatchObject([{ rule: 'in', feature: 'country', failed: 2 }]);
  });
});
