/** Decoding payloads the server hands back raw (heartbeat details of a pending activity in `describe()`). */
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';

/** The first payload, through the client's codecs and payload converter, as the SDK decodes results. */
export async function decodeFirst(client: Client, payloads: Payload[] | null | undefined): Promise<unknown> {
  if (!payloads || payloads.length === 0) return undefined;
  const { payloadCodecs, payloadConverter } = client.options.loadedDataConverter;
  let decoded = payloads;
  for (const codec of [...payloadCodecs].reverse()) decoded = await codec.decode(decoded);
  return decoded[0] === undefined ? undefined : payloadConverter.fromPayload(decoded[0]);
}
