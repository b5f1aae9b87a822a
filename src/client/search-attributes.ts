/**
 * Featureflow's custom search attributes on the client side: registering them in a namespace (`featureflow temporal
 * setup`, also run by `schedules apply`, `dev` and the demo), and labelling the runs a client starts only with the
 * ones the namespace has. A start never fails because nobody ran the setup: unregistered attributes are left out,
 * with one warning per client saying what to run.
 */
import type { Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { FeatureflowError } from '../registry/errors.js';
import { CUSTOM_SEARCH_ATTRIBUTES, FEATUREFLOW_SEARCH_ATTRIBUTES, featureflowSearchAttributes, type RunLabels } from '../workflows/contracts/search-attributes.js';

/** temporal.api.enums.v1.IndexedValueType by our type names (the proto package is not our dependency). */
const INDEXED_VALUE_TYPES = { Keyword: 2, KeywordList: 7 } as const;
const TYPE_NAMES: Record<number, string> = { 1: 'Text', 2: 'Keyword', 3: 'Int', 4: 'Double', 5: 'Bool', 6: 'Datetime', 7: 'KeywordList' };

type Name = keyof typeof CUSTOM_SEARCH_ATTRIBUTES;
const NAMES = Object.keys(CUSTOM_SEARCH_ATTRIBUTES) as Name[];

export const SETUP_COMMAND = 'featureflow temporal setup';

interface Known {
  names: ReadonlySet<string>;
  checkedAtMs: number;
  warned: boolean;
}

// Per client: what its namespace has. While something is missing it is looked up again now and then, so a long-lived
// client (serve's) picks up a setup run after it started.
const known = new WeakMap<Client, Known>();
const pending = new WeakMap<Client, Promise<Known>>();
export const RECHECK_MISSING_MS = 5 * 60_000;

/** How each of our attributes stands in a namespace. */
export interface AttributeStatus {
  name: Name;
  want: string;
  /** The registered type, when registered (possibly another one than `want`). */
  has?: string;
}

export interface SetupResult {
  namespace: string;
  added: string[];
  present: string[];
}

function createCommand(namespace: string): string {
  const flags = NAMES.map((n) => `--name ${n} --type ${CUSTOM_SEARCH_ATTRIBUTES[n]}`).join(' ');
  return `temporal operator search-attribute create --namespace ${namespace} ${flags}`;
}

export async function attributeStatus(client: Client): Promise<AttributeStatus[]> {
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace: client.options.namespace });
  return NAMES.map((name) => {
    const type = customAttributes?.[name];
    const status: AttributeStatus = { name, want: CUSTOM_SEARCH_ATTRIBUTES[name] };
    if (type !== undefined && type !== null) status.has = TYPE_NAMES[type] ?? `type ${String(type)}`;
    return status;
  });
}

/**
 * Registers the missing attributes; idempotent. Fails (SEARCH_ATTRIBUTE_CONFLICT) when a name is registered with
 * another type, e.g. FeatureflowView as Keyword by Featureflow 0.1's `schedules apply`: a type cannot be changed in
 * place. Where the operator API is refused (Temporal Cloud, restricted clusters) the error says what to run.
 */
export async function setupSearchAttributes(client: Client): Promise<SetupResult> {
  const namespace = client.options.namespace;
  let statuses: AttributeStatus[];
  try {
    statuses = await attributeStatus(client);
    const missing = statuses.filter((s) => s.has === undefined).map((s) => s.name);
    if (missing.length > 0) {
      await client.connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map((n) => [n, INDEXED_VALUE_TYPES[CUSTOM_SEARCH_ATTRIBUTES[n]]])),
      });
    }
  } catch (err) {
    throw new FeatureflowError(
      'SEARCH_ATTRIBUTES_MISSING',
      `cannot register the search attributes ${NAMES.join(', ')} in namespace "${namespace}" (${(err as Error).message}); ` +
        `create them once with: ${createCommand(namespace)}`,
      { cause: err },
    );
  }
  const conflicts = statuses.filter((s) => s.has !== undefined && s.has !== s.want);
  if (conflicts.length > 0) {
    const what = conflicts.map((s) => `${s.name} is ${s.has}, Featureflow needs ${s.want}`).join('; ');
    const names = conflicts.map((s) => `--name ${s.name}`).join(' ');
    throw new FeatureflowError(
      'SEARCH_ATTRIBUTE_CONFLICT',
      `namespace "${namespace}": ${what}. Remove and create again: temporal operator search-attribute remove --namespace ${namespace} ` +
        `${names} --yes, then ${SETUP_COMMAND} (runs started meanwhile are not labelled with it)`,
    );
  }
  const added = statuses.filter((s) => s.has === undefined).map((s) => s.name);
  if (added.length > 0) await waitUntilQueryable(client);
  known.set(client, { names: new Set(NAMES), checkedAtMs: Date.now(), warned: known.get(client)?.warned ?? false });
  return { namespace, added, present: statuses.filter((s) => s.has !== undefined).map((s) => s.name) };
}

/**
 * A namespace accepts new attributes a moment after they were added; until then queries and starts naming them are
 * refused. Setup returns once a visibility query naming all of them is accepted (at most about a minute).
 */
async function waitUntilQueryable(client: Client): Promise<void> {
  const query = FEATUREFLOW_SEARCH_ATTRIBUTES.map((k) => `${k.name} = "_"`).join(' AND ');
  for (let attempt = 1; ; attempt++) {
    try {
      await client.workflow.count(query);
      return;
    } catch (err) {
      if (attempt >= 30) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(200 * attempt, 3000)));
    }
  }
}

async function lookUp(client: Client, warn: (message: string) => void): Promise<Known> {
  const previous = known.get(client);
  let names = new Set<string>();
  let why: string;
  try {
    const statuses = await attributeStatus(client);
    names = new Set(statuses.filter((s) => s.has === s.want).map((s) => s.name));
    const bad = statuses.filter((s) => s.has !== s.want);
    why = bad.map((s) => (s.has === undefined ? `${s.name} is not registered` : `${s.name} is ${s.has}, not ${s.want}`)).join(', ');
  } catch (err) {
    why = `listing them failed: ${(err as Error).message}`;
  }
  const complete = names.size === NAMES.length;
  const next: Known = { names, checkedAtMs: Date.now(), warned: previous?.warned ?? false };
  if (!complete && !next.warned) {
    next.warned = true;
    warn(
      `featureflow: runs started in namespace "${client.options.namespace}" are not labelled with all of ${NAMES.join(', ')} ` +
        `(${why}), so the Temporal UI cannot filter them by those; run \`${SETUP_COMMAND}\` once to register them`,
    );
  }
  known.set(client, next);
  return next;
}

/** The names of our attributes this client's namespace has with the right type: looked up once, then cached. */
export async function registeredSearchAttributes(client: Client, warn: (message: string) => void = console.warn): Promise<ReadonlySet<string>> {
  const cached = known.get(client);
  if (cached && (cached.names.size === NAMES.length || Date.now() - cached.checkedAtMs < RECHECK_MISSING_MS)) return cached.names;
  let looking = pending.get(client);
  if (!looking) {
    looking = lookUp(client, warn).finally(() => pending.delete(client));
    pending.set(client, looking);
  }
  return (await looking).names;
}

/**
 * Whether a start was refused over its search attributes. The SDK wraps the server's answer: "Failed to start
 * Workflow", caused by "3 INVALID_ARGUMENT: Namespace default has no mapping defined for search attribute X".
 */
export function refusedOverSearchAttributes(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (/search attribute/i.test(e.message)) return true;
  }
  return false;
}

/** A start was refused over its attributes (one removed after the look-up): the next start looks them up again. */
export function forgetSearchAttributes(client: Client): void {
  known.set(client, { names: new Set(), checkedAtMs: 0, warned: known.get(client)?.warned ?? false });
}

/** The labels of a run, limited to what the namespace has. */
export async function searchAttributesFor(client: Client, labels: RunLabels, warn?: (message: string) => void): Promise<SearchAttributePair[]> {
  const names = await registeredSearchAttributes(client, warn);
  return featureflowSearchAttributes(labels).filter((pair) => names.has(pair.key.name));
}
