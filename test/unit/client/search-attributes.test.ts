import type { Client } from '@temporalio/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startWorkflowOnce } from '../../../src/client/connection.js';
import { setupSearchAttributes } from '../../../src/client/search-attributes.js';
import { FeatureflowError } from '../../../src/registry/errors.js';
import { featureflowSearchAttributes, viewsOfFeatureRefs } from '../../../src/workflows/contracts/search-attributes.js';

const KEYWORD = 2;
const KEYWORD_LIST = 7;
const ALL = { FeatureflowProject: KEYWORD, FeatureflowView: KEYWORD_LIST, FeatureflowKind: KEYWORD };

interface Fake {
  client: Client;
  lists: number;
  added: Array<Record<string, number>>;
  started: Array<{ typedSearchAttributes?: Array<{ key: { name: string }; value: unknown }> }>;
}

/** A client whose namespace has `registered` (name -> IndexedValueType), refusing what `behaviour` says. */
function fakeClient(registered: Record<string, number>, behaviour: { refuseAdd?: boolean; refuseLabelledStart?: boolean } = {}): Fake {
  const fake: Fake = { client: undefined as unknown as Client, lists: 0, added: [], started: [] };
  const operatorService = {
    listSearchAttributes: async () => {
      fake.lists++;
      return { customAttributes: { ...registered } };
    },
    addSearchAttributes: async (request: { searchAttributes: Record<string, number> }) => {
      if (behaviour.refuseAdd) throw new Error('7 PERMISSION_DENIED: Request unauthorized.');
      fake.added.push(request.searchAttributes);
      Object.assign(registered, request.searchAttributes);
      return {};
    },
  };
  const workflow = {
    start: async (_type: string, options: Fake['started'][number] & { workflowId: string }) => {
      if (behaviour.refuseLabelledStart && options.typedSearchAttributes) {
        // As the SDK reports it: the server's answer is the cause.
        const cause = Object.assign(new Error('3 INVALID_ARGUMENT: Namespace ns has no mapping defined for search attribute FeatureflowView'), { code: 3 });
        throw new Error('Failed to start Workflow', { cause });
      }
      fake.started.push(options);
      return { workflowId: options.workflowId, firstExecutionRunId: 'run-1' };
    },
    count: async () => ({ count: 0 }),
  };
  fake.client = { options: { namespace: 'ns' }, connection: { operatorService }, workflow } as unknown as Client;
  return fake;
}

const start = (fake: Fake, id = 'backfill:v') =>
  startWorkflowOnce(fake.client, 'backfill', { view: 'v' }, { workflowId: id, what: 'a backfill', project: 'p', views: ['v'] });

const labels = (started: Fake['started'][number] | undefined) =>
  Object.fromEntries((started?.typedSearchAttributes ?? []).map((pair) => [pair.key.name, pair.value]));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('starting a run in a namespace without the attributes', () => {
  it('starts it unlabelled, looks the attributes up once per client and warns once, naming the setup command', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const fake = fakeClient({});
    await start(fake, 'one');
    await start(fake, 'two');
    expect(fake.started).toHaveLength(2);
    expect(fake.started.every((s) => s.typedSearchAttributes === undefined)).toBe(true);
    expect(fake.lists).toBe(1);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain('featureflow temporal setup');
  });

  it('sets the ones registered with the right type and leaves out one registered with another', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const fake = fakeClient({ FeatureflowProject: KEYWORD, FeatureflowView: KEYWORD, FeatureflowKind: KEYWORD });
    await start(fake);
    expect(labels(fake.started[0])).toEqual({ FeatureflowProject: 'p', FeatureflowKind: 'backfill' });
    expect(String(warn.mock.calls[0]?.[0])).toContain('FeatureflowView is Keyword, not KeywordList');
  });

  it('still starts when listing the attributes is refused', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const fake = fakeClient({});
    (fake.client.connection.operatorService as unknown as { listSearchAttributes: () => Promise<never> }).listSearchAttributes = () =>
      Promise.reject(new Error('7 PERMISSION_DENIED'));
    await start(fake);
    expect(fake.started).toHaveLength(1);
    expect(fake.started[0]?.typedSearchAttributes).toBeUndefined();
  });

  it('starts it again unlabelled when the server refuses the labels', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const fake = fakeClient({ ...ALL }, { refuseLabelledStart: true });
    await start(fake);
    expect(fake.started).toHaveLength(1);
    expect(fake.started[0]?.typedSearchAttributes).toBeUndefined();
    expect(String(warn.mock.calls[0]?.[0])).toContain('without search attributes');
  });
});

describe('starting a run in a namespace with the attributes', () => {
  it('labels it with project, views and kind', async () => {
    const fake = fakeClient({ ...ALL });
    await start(fake);
    expect(labels(fake.started[0])).toEqual({ FeatureflowProject: 'p', FeatureflowView: ['v'], FeatureflowKind: 'backfill' });
  });

  it('labels the runs of a client that ran the setup itself, without looking them up again', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const fake = fakeClient({});
    await start(fake, 'before');
    await setupSearchAttributes(fake.client);
    const lists = fake.lists;
    await start(fake, 'after');
    expect(fake.lists).toBe(lists);
    expect(labels(fake.started[1])).toEqual({ FeatureflowProject: 'p', FeatureflowView: ['v'], FeatureflowKind: 'backfill' });
  });
});

describe('setupSearchAttributes', () => {
  it('registers only the missing ones with their types, and nothing when run again', async () => {
    const fake = fakeClient({ FeatureflowProject: KEYWORD });
    const first = await setupSearchAttributes(fake.client);
    expect(first).toEqual({ namespace: 'ns', added: ['FeatureflowView', 'FeatureflowKind'], present: ['FeatureflowProject'] });
    expect(fake.added).toEqual([{ FeatureflowView: KEYWORD_LIST, FeatureflowKind: KEYWORD }]);
    const again = await setupSearchAttributes(fake.client);
    expect(again.added).toEqual([]);
    expect(fake.added).toHaveLength(1);
  });

  it('names the attribute registered with another type and how to replace it', async () => {
    const fake = fakeClient({ FeatureflowProject: KEYWORD, FeatureflowView: KEYWORD });
    const err = await setupSearchAttributes(fake.client).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FeatureflowError);
    expect((err as FeatureflowError).code).toBe('SEARCH_ATTRIBUTE_CONFLICT');
    expect((err as Error).message).toContain('FeatureflowView is Keyword, Featureflow needs KeywordList');
    expect((err as Error).message).toContain('temporal operator search-attribute remove --namespace ns --name FeatureflowView');
  });

  it('says what to run when the server refuses to register them', async () => {
    const fake = fakeClient({}, { refuseAdd: true });
    const err = await setupSearchAttributes(fake.client).catch((e: unknown) => e);
    expect((err as FeatureflowError).code).toBe('SEARCH_ATTRIBUTES_MISSING');
    expect((err as Error).message).toContain('PERMISSION_DENIED');
    expect((err as Error).message).toContain('--name FeatureflowView --type KeywordList');
  });
});

describe('run labels', () => {
  it('leave out what a start does not know and sort the views', () => {
    expect(featureflowSearchAttributes({ kind: 'materialize' }).map((p) => p.key.name)).toEqual(['FeatureflowKind']);
    expect(featureflowSearchAttributes({ kind: 'materialize', views: [] }).map((p) => p.key.name)).toEqual(['FeatureflowKind']);
    const pairs = featureflowSearchAttributes({ kind: 'materialize', project: 'p', views: ['b', 'a', 'b'] });
    expect(pairs.find((p) => p.key.name === 'FeatureflowView')?.value).toEqual(['a', 'b']);
  });

  it('take the views of feature references, not of services', () => {
    expect(viewsOfFeatureRefs(['user_stats:clicks', 'user_stats:*', 'service:fraud_v1', 'merchant:refunds'])).toEqual(['user_stats', 'merchant']);
    expect(viewsOfFeatureRefs(undefined)).toEqual([]);
  });
});
