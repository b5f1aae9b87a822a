/**
 * History <-> proto JSON, as @temporalio/common's historyToJSON/historyFromJSON do, but with the protobufjs copy
 * that @temporalio/proto's types were built with.
 * In this install npm nests protobufjs 8 twice (under common and under proto, because grpc keeps 7 at the top),
 * and the SDK's helpers then fail with "type must be a Type": their JSON codec checks `instanceof` against the
 * other copy. Resolving both from @temporalio/proto's own folder keeps codec and types from one copy.
 */
import { createRequire } from 'node:module';
import type { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;
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
  patchProtobufRoot(root: unknown): { lookupType(name: string): unknown };
};
const historyType = patchProtobufRoot(proto).lookupType('temporal.api.history.v1.History');

export function historyToJson(history: History): string {
  return JSON.stringify(protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)), null, 2);
}

export function historyFromJson(json: unknown): History {
  const loaded = protojson.fromJson(historyType, json, { ignoreUnknownFields: true });
  if (loaded === null || typeof loaded !== 'object') throw new TypeError('not a workflow history');
  return proto.temporal.api.history.v1.History.fromObject(loaded);
}
