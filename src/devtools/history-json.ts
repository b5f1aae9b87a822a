/**
 * Workflow history <-> proto JSON, as @temporalio/common's historyToJSON/historyFromJSON do, but with the protobufjs
 * copy that @temporalio/proto's types were built with, and reading what every Temporal tool writes (see
 * history-normalize.ts), not only what we write.
 * In this install npm nests protobufjs 8 twice (under common and under proto, because grpc keeps 7 at the top),
 * and the SDK's helpers then fail with "type must be a Type": their JSON codec checks `instanceof` against the
 * other copy. Resolving both from @temporalio/proto's own folder keeps codec and types from one copy.
 */
import { createRequire } from 'node:module';
import type { temporal } from '@temporalio/proto';
import { FeatureflowError, type ValidationIssue } from '../registry/errors.js';
import { normalizeHistoryJson, type ProtoType } from './history-normalize.js';

export type History = temporal.api.history.v1.IHistory;

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}
interface ProtoModule {
  temporal: { api: { history: { v1: { History: { fromObject(o: unknown): History } } } } };
}

// Resolved the way the SDK resolves them, from @temporalio/common (proto is its dependency, not ours).
const fromCommon = createRequire(createRequire(import.meta.url).resolve('@temporalio/common'));
const protoPath = fromCommon.resolve('@temporalio/proto');
const fromProto = createRequire(protoPath);
const proto = fromCommon('@temporalio/proto') as ProtoModule;
const protojson = fromProto('protobufjs/ext/protojson') as ProtoJson;
const { patchProtobufRoot } = fromCommon('@temporalio/proto/lib/patch-protobuf-root') as {
  patchProtobufRoot(root: unknown): { lookupType(name: string): ProtoType };
};
const historyType = patchProtobufRoot(proto).lookupType('temporal.api.history.v1.History');

/** A file or document that is not a replayable workflow history; `issues` say where and why. */
export class HistoryFormatError extends FeatureflowError {
  constructor(
    what: string,
    readonly issues: ValidationIssue[],
  ) {
    const lines = issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`);
    super('INVALID_HISTORY', `${what} is not a replayable workflow history:\n${lines.join('\n')}`);
  }
}

/** Proto JSON, the format of `temporal workflow show --output json` and of the SDK's historyToJSON. */
export function historyToJson(history: History): string {
  return JSON.stringify(protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)), null, 2);
}

/** Reads the JSON of any Temporal tool's history export; `what` names it in errors (a file name). */
export function historyFromJson(json: unknown, what = 'the document'): History {
  const normalized = normalizeHistoryJson(json, historyType);
  if ('issues' in normalized) throw new HistoryFormatError(what, normalized.issues);
  let loaded: unknown;
  try {
    loaded = protojson.fromJson(historyType, normalized.history, { ignoreUnknownFields: true });
  } catch (err) {
    throw new HistoryFormatError(what, [{ path: '', message: (err as Error).message }]);
  }
  if (loaded === null || typeof loaded !== 'object') throw new HistoryFormatError(what, [{ path: '', message: 'empty' }]);
  return proto.temporal.api.history.v1.History.fromObject(loaded);
}
