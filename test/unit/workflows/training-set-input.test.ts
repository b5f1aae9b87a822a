import { describe, expect, it } from 'vitest';
import { parseTrainingSetInput } from '../../../src/activities/training-set.js';
import { FeatureflowError } from '../../../src/registry/errors.js';
import { resolveTrainingSetInput } from '../../../src/workflows/training-set.js';
import { trainingSetWorkflowId } from '../../../src/workflows/shared.js';
import { failureOf } from '../../helpers/failure.js';

describe('trainingSet input', () => {
  it('keeps a valid input as it is', () => {
    const input = { entities: 'labels.parquet', features: ['user_stats:clicks', 'user_txn:*'], out: 'out/train.csv' };
    expect(resolveTrainingSetInput(input)).toEqual(input);
  });

  it('takes a feature service by name, with or without the service: prefix, and a table of entity rows', () => {
    const input = { entities: { table: 'labels' }, featureService: 'service:fraud_v1', out: '/tmp/t.parquet', fullFeatureNames: true, filterCreated: false };
    expect(resolveTrainingSetInput(input)).toEqual({ ...input, featureService: 'fraud_v1' });
  });

  it('lists every problem at once, each with its field, as one non-retryable failure', () => {
    const failure = failureOf(() =>
      resolveTrainingSetInput({
        entities: 5,
        features: ['user_stats', 'a:b', 7],
        featureService: 'fraud_v1',
        out: 'training.json',
        fullFeatureNames: 'yes',
        labels: 'x',
      }),
    );
    expect(failure.nonRetryable).toBe(true);
    expect(failure.type).toBe('INVALID_WORKFLOW_INPUT');
    expect(failure.message.split('\n')).toEqual([
      'trainingSet input is invalid (7 problems):',
      '  labels: unknown field; the input takes entities, features, featureService, out, fullFeatureNames, filterCreated',
      '  entities: must be a .parquet or .csv file path or {"table":"NAME"}, got 5',
      '  features[0]: "user_stats" is not a feature reference; write "view:feature", "view:*" or "service:NAME"',
      '  features[2]: 7 is not a feature reference; write "view:feature", "view:*" or "service:NAME"',
      '  featureService: give features or featureService, not both',
      '  out: "training.json" must end in .parquet or .csv (that is how the format is chosen)',
      '  fullFeatureNames: must be true or false, got "yes"',
    ]);
  });

  it('asks for features when neither features nor a service is given, and rejects URLs and empty lists', () => {
    const failure = failureOf(() => resolveTrainingSetInput({ entities: { table: '', extra: 1 }, out: 's3://bucket/t.parquet' }));
    expect(failure.message.split('\n').slice(1)).toEqual([
      '  entities.extra: unknown field; a table is given as {"table":"NAME"}',
      '  entities.table: must be the name of a DuckDB table, got ""',
      '  features: missing; give feature references like ["user_stats:clicks"] (or featureService: "NAME")',
      `  out: "s3://bucket/t.parquet" is a URL; the training set is written to a file on the worker's machine`,
    ]);
    const empty = failureOf(() => resolveTrainingSetInput({ entities: 'e.csv', features: [], out: 't.csv' }));
    expect(empty.message).toContain('features: must be a non-empty list of feature references');
  });

  it('rejects a non-object input with an example of the right one', () => {
    const failure = failureOf(() => resolveTrainingSetInput(['labels.parquet']));
    expect(failure.message).toContain('{"entities":"labels.parquet","features":["user_stats:clicks"],"out":"training.parquet"}');
  });
});

describe('trainingSet activity input', () => {
  const problemsOf = (input: unknown): string => {
    try {
      parseTrainingSetInput(input);
    } catch (err) {
      if (err instanceof FeatureflowError) {
        expect(err.retryable).toBe(false);
        return `${err.code}: ${err.message}`;
      }
      throw err;
    }
    throw new Error('expected the input to be rejected');
  };

  it('names every bad field with its path', () => {
    expect(problemsOf({ entities: '', features: ['a:b', ''], out: 'x.txt', filterCreated: 1, more: true })).toBe(
      'INVALID_REQUEST: buildTrainingSet input is invalid: entities: must be a .parquet or .csv file path or {"table":"NAME"}; ' +
        'features[1]: must be a feature reference like "view:feature"; out: must end in .parquet or .csv; ' +
        'filterCreated: must be true or false; more: unknown field',
    );
    expect(problemsOf({ entities: 'e.csv', out: 't.csv' })).toContain('features: give feature references or featureService');
  });

  it('turns a feature service into its reference', () => {
    expect(parseTrainingSetInput({ entities: 'e.csv', featureService: 'fraud_v1', out: 't.csv' }).refs).toEqual(['service:fraud_v1']);
    expect(parseTrainingSetInput({ entities: 'e.csv', features: ['v:a', 'v:b'], out: 't.csv' }).refs).toEqual(['v:a', 'v:b']);
  });
});

describe('trainingSet workflow id', () => {
  it('is the same for every spelling of the same output path', () => {
    const id = trainingSetWorkflowId({ out: '/data/sets/train.parquet' });
    expect(id).toBe('training-set:/data/sets/train.parquet');
    expect(trainingSetWorkflowId({ out: '/data//sets/./train.parquet' })).toBe(id);
    expect(trainingSetWorkflowId({ out: '/data/other/../sets/train.parquet' })).toBe(id);
    expect(trainingSetWorkflowId({ out: '/../data/sets/train.parquet' })).toBe(id);
  });

  it('keeps a relative path relative (the worker resolves it against its repo folder)', () => {
    expect(trainingSetWorkflowId({ out: './out/../train.csv' })).toBe('training-set:train.csv');
    expect(trainingSetWorkflowId({ out: '../shared/train.csv' })).toBe('training-set:../shared/train.csv');
    expect(trainingSetWorkflowId({ out: 'a/../../train.csv' })).toBe('training-set:../train.csv');
  });
});
