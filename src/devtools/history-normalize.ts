/**
 * Brings a workflow history exported by any Temporal tool to the canonical proto JSON the codec reads. Tools agree
 * on the structure but not on enum spellings: the SDKs and the Temporal CLI write `EVENT_TYPE_ACTIVITY_TASK_SCHEDULED`,
 * tctl and older Web UIs `ActivityTaskScheduled`, some `EventTypeActivityTaskScheduled`; the SDK's own
 * historyFromJSON fixes a hand-picked list of fields, so a history with any other enum (a timeout type, a failure
 * category) still fails. We walk the JSON along the proto types instead and fix every enum wherever it sits.
 * Also accepted: the wrapper of the GetWorkflowExecutionHistory response (`{ "history": { "events" } }`), a bare
 * array of events, and newest-first order (`temporal workflow show --reverse`). Payloads "decoded" for reading (the
 * UI offers that) cannot be replayed, and are reported as such rather than as a codec error deep inside protobufjs.
 */
import { formatPath, type ValidationIssue } from '../registry/errors.js';

/** The slice of protobufjs reflection we walk (Type, Enum and Field of @temporalio/proto's root). */
export interface ProtoType {
  readonly fullName: string;
  readonly fields: Readonly<Record<string, ProtoField>>;
}
export interface ProtoEnum {
  readonly fullName: string;
  readonly values: Readonly<Record<string, number>>;
}
export interface ProtoField {
  readonly repeated: boolean;
  readonly map: boolean;
  resolve(): { resolvedType: ProtoType | ProtoEnum | null };
}

const PAYLOAD = '.temporal.api.common.v1.Payload';
const STARTED = 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED';
// Their proto JSON forms are strings ("10s", RFC 3339) or free-form: nothing inside to fix.
const WELL_KNOWN = '.google.protobuf.';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;

/**
 * Returns `{ events: [...] }` in canonical form, oldest event first, or the problems found (each with its path, at
 * most `maxIssues`), so one message can list everything wrong with a file.
 */
export function normalizeHistoryJson(
  json: unknown,
  historyType: ProtoType,
  maxIssues = 10,
): { history: { events: Json[] } } | { issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const events = eventsOf(json);
  if (!events) {
    return { issues: [{ path: '', message: 'not a workflow history: expected an object with an "events" array (as `temporal workflow show --output json` writes)' }] };
  }
  if (events.length === 0) return { issues: [{ path: 'events', message: 'a history needs at least its first event' }] };
  const report = (path: Path, message: string): void => {
    if (issues.length < maxIssues) issues.push({ path: formatPath(path), message });
  };
  const walker = new EnumWalker(report);
  const fixed = walker.message({ events: events as Json[] }, historyType, []) as { events: Json[] };
  if (issues.length > 0) return { issues };
  const ordered = oldestFirst(fixed.events);
  const first = ordered[0];
  if (!isObject(first) || !isObject(first.workflowExecutionStartedEventAttributes)) {
    const found = isObject(first) ? JSON.stringify(first.eventType ?? null) : 'no event';
    return { issues: [{ path: 'events[0]', message: `a history starts with the workflow's start (${STARTED}), not ${found}` }] };
  }
  return { history: { events: ordered } };
}

function eventsOf(json: unknown): unknown[] | undefined {
  if (Array.isArray(json)) return json;
  if (!isObject(json)) return undefined;
  if (Array.isArray(json.events)) return json.events;
  if (isObject(json.history) && Array.isArray(json.history.events)) return json.history.events;
  return undefined;
}

function oldestFirst(events: Json[]): Json[] {
  const id = (e: Json | undefined): number => Number(isObject(e) ? e.eventId : NaN);
  return events.length > 1 && id(events[0]) > id(events[events.length - 1]) ? [...events].reverse() : events;
}

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEnum(t: ProtoType | ProtoEnum): t is ProtoEnum {
  return 'values' in t;
}

/** `ActivityTaskScheduled`, `EventTypeActivityTaskScheduled`, `activity_task_scheduled` all read the same. */
const spellingKey = (s: string): string => s.replace(/[^A-Za-z0-9]/g, '').toLowerCase();

class EnumWalker {
  private readonly spellings = new Map<string, Map<string, string>>();

  constructor(private readonly report: (path: Path, message: string) => void) {}

  message(value: Json, type: ProtoType, path: Path): Json {
    if (!isObject(value)) return value;
    if (type.fullName === PAYLOAD) {
      this.checkPayload(value, path);
      return value;
    }
    const out: Record<string, Json> = {};
    for (const [key, child] of Object.entries(value)) {
      const field = type.fields[key] ?? type.fields[camelCase(key)];
      // Unknown fields (a newer server's) are left for the codec, which ignores them.
      out[key] = field && child !== null ? this.field(child, field, [...path, key]) : child;
    }
    return out;
  }

  private field(value: Json, field: ProtoField, path: Path): Json {
    const type = field.resolve().resolvedType;
    if (!type || (!isEnum(type) && type.fullName.startsWith(WELL_KNOWN))) return value;
    const one = (v: Json, p: Path): Json => (isEnum(type) ? this.enumValue(v, type, p) : this.message(v, type, p));
    if (field.map && isObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, one(v, [...path, k])]));
    }
    if (field.repeated && Array.isArray(value)) return value.map((v, i) => one(v, [...path, i]));
    return one(value, path);
  }

  private enumValue(value: Json, type: ProtoEnum, path: Path): Json {
    if (typeof value !== 'string' || value in type.values) return value;
    const name = this.spellingsOf(type).get(spellingKey(value));
    if (name) return name;
    const some = Object.keys(type.values).slice(1, 3).join(', ');
    this.report(path, `"${value}" is not a value of ${type.fullName.replace(/^\./, '')} (values look like ${some})`);
    return value;
  }

  /** Every accepted spelling of the enum's values, with and without the prefix they all share (`EVENT_TYPE_`). */
  private spellingsOf(type: ProtoEnum): Map<string, string> {
    let map = this.spellings.get(type.fullName);
    if (map) return map;
    map = new Map();
    const names = Object.keys(type.values);
    const prefix = sharedPrefix(names);
    for (const name of names) map.set(spellingKey(name), name);
    for (const name of names) {
      const bare = spellingKey(name.slice(prefix.length));
      if (bare && !map.has(bare)) map.set(bare, name);
    }
    this.spellings.set(type.fullName, map);
    return map;
  }

  private checkPayload(payload: Record<string, Json>, path: Path): void {
    const encoded =
      (payload.data === undefined || typeof payload.data === 'string') &&
      Object.keys(payload).every((k) => k === 'metadata' || k === 'data' || k === 'externalPayloads');
    if (!encoded) {
      this.report(
        path,
        'a decoded payload: replay needs the history as the server stores it, with payloads encoded ' +
          '(temporal workflow show --output json, or the UI download without decoding)',
      );
    }
  }
}

/** The longest prefix ending in `_` that every name shares (`EVENT_TYPE_`), or ''. */
function sharedPrefix(names: string[]): string {
  if (names.length < 2) return '';
  let prefix = names[0]!;
  for (const name of names) {
    while (!name.startsWith(prefix)) prefix = prefix.slice(0, -1);
  }
  return prefix.slice(0, prefix.lastIndexOf('_') + 1);
}

function camelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
