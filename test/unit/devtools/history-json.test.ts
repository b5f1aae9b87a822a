import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HistoryFormatError, historyFromJson, historyToJson } from '../../../src/devtools/history-json.js';

const text = readFileSync(fileURLToPath(new URL('../../replay/histories/backfill-cancel.json', import.meta.url)), 'utf8');
type Doc = { events: Array<Record<string, unknown>> };
const recorded = (): Doc => JSON.parse(text) as Doc;
const canonical = historyToJson(historyFromJson(recorded()));

/** Rewrites every `PREFIX_SOME_VALUE` string of the given enums with `spell(prefix, rest)`. */
function respell(doc: Doc, prefixes: string[], spell: (prefix: string, rest: string) => string): Doc {
  const pattern = new RegExp(`"(${prefixes.join('|')})_([A-Z_]+)"`, 'g');
  return JSON.parse(JSON.stringify(doc).replace(pattern, (_m, prefix: string, rest: string) => `"${spell(prefix, rest)}"`)) as Doc;
}
const pascal = (s: string): string => s.toLowerCase().replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase());
const ENUMS = ['EVENT_TYPE', 'TASK_QUEUE_KIND'];

function problems(json: unknown): string[] {
  try {
    historyFromJson(json, 'h.json');
  } catch (err) {
    expect(err).toBeInstanceOf(HistoryFormatError);
    expect((err as HistoryFormatError).message).toMatch(/^h\.json is not a replayable workflow history/);
    return (err as HistoryFormatError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected the history to be rejected');
}

describe('reading workflow history JSON', () => {
  it('reads back exactly what it writes (the format of temporal workflow show --output json)', () => {
    expect(canonical).toBe(text.trimEnd());
  });

  it('reads the enum spelling of tctl and older Web UIs (WorkflowExecutionStarted, Normal)', () => {
    const legacy = respell(recorded(), ENUMS, (_p, rest) => pascal(rest));
    expect(legacy.events[0]?.eventType).toBe('WorkflowExecutionStarted');
    expect(historyToJson(historyFromJson(legacy))).toBe(canonical);
  });

  it('reads enum names with their type spelled in Pascal case (EventTypeWorkflowExecutionStarted)', () => {
    const prefixed = respell(recorded(), ENUMS, (prefix, rest) => pascal(`${prefix}_${rest}`));
    expect(prefixed.events[0]?.eventType).toBe('EventTypeWorkflowExecutionStarted');
    expect(historyToJson(historyFromJson(prefixed))).toBe(canonical);
  });

  it('reads the GetWorkflowExecutionHistory response and a bare array of events', () => {
    expect(historyToJson(historyFromJson({ history: recorded(), nextPageToken: null }))).toBe(canonical);
    expect(historyToJson(historyFromJson(recorded().events))).toBe(canonical);
  });

  it('reads a history listed newest event first', () => {
    expect(historyToJson(historyFromJson({ events: recorded().events.reverse() }))).toBe(canonical);
  });

  it('ignores fields it does not know, as a newer server may add', () => {
    const doc = recorded();
    doc.events[0] = { ...doc.events[0], someFutureField: { nested: true } };
    expect(historyToJson(historyFromJson(doc))).toBe(canonical);
  });

  it('rejects payloads decoded for reading, naming where they are', () => {
    const doc = recorded();
    const attrs = doc.events[0]?.workflowExecutionStartedEventAttributes as { input: { payloads: unknown[] } };
    attrs.input.payloads[0] = { view: 'user_txn', start: '2024-01-01' };
    expect(problems(doc)).toEqual([
      expect.stringMatching(/^events\[0\]\.workflowExecutionStartedEventAttributes\.input\.payloads\[0\]: a decoded payload/),
    ]);
  });

  it('names every enum value it cannot read, with its path', () => {
    const doc = recorded();
    doc.events[1] = { ...doc.events[1], eventType: 'WorkflowTaskTeleported' };
    (doc.events[0]?.workflowExecutionStartedEventAttributes as { taskQueue: { kind: string } }).taskQueue.kind = 'Wobbly';
    expect(problems(doc)).toEqual([
      expect.stringMatching(/^events\[0\]\.workflowExecutionStartedEventAttributes\.taskQueue\.kind: "Wobbly" is not a value of temporal\.api\.enums\.v1\.TaskQueueKind/),
      expect.stringMatching(/^events\[1\]\.eventType: "WorkflowTaskTeleported" is not a value of temporal\.api\.enums\.v1\.EventType/),
    ]);
  });

  it('rejects documents that are not histories, and histories that do not start with the workflow start', () => {
    expect(problems({ workflowId: 'x' })).toEqual([expect.stringMatching(/^: not a workflow history: expected an object with an "events" array/)]);
    expect(problems({ events: [] })).toEqual(['events: a history needs at least its first event']);
    expect(problems('events')).toHaveLength(1);
    expect(problems({ events: recorded().events.slice(1) })).toEqual([
      'events[0]: a history starts with the workflow\'s start (EVENT_TYPE_WORKFLOW_EXECUTION_STARTED), not "EVENT_TYPE_WORKFLOW_TASK_SCHEDULED"',
    ]);
  });
});
