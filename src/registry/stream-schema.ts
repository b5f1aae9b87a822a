/**
 * Stream sources: JSON events from a broker, folded into per-entity time tiles by the `streamIngest` workflow and
 * served as sliding windows. The batch source holds the same events (for training and backfills), so `historical`
 * computes the tiles from it and training equals serving by construction.
 */
import { z } from 'zod';
import { Duration, Name } from './primitives.js';

/** NATS names (streams, durable consumers): no spaces, dots or wildcards. */
const NatsName = z.string().regex(/^[A-Za-z0-9_-]+$/, 'must hold only letters, digits, "_" and "-" (no dots, spaces or wildcards)');

export const NatsBrokerSchema = z.strictObject({
  kind: z.literal('nats'),
  /** Server URL; default nats://127.0.0.1:4222. */
  url: z.string().min(1).default('nats://127.0.0.1:4222'),
  /** The JetStream stream holding the subject. */
  stream: NatsName,
  /** Subject (wildcards allowed) the events are published on. */
  subject: z.string().min(1),
  /** Durable consumer the ingestion reads with; created when missing. */
  durable: NatsName,
});

export const RedisStreamBrokerSchema = z.strictObject({
  kind: z.literal('redis-stream'),
  /** Redis holding the stream; default the online store's. */
  url: z.string().min(1).optional(),
  /** The stream's key. */
  key: z.string().min(1),
  /** Consumer group the ingestion reads with; created when missing. */
  group: z.string().min(1),
});

export const KafkaBrokerSchema = z.strictObject({
  kind: z.literal('kafka'),
  /** Bootstrap brokers, `host:port`. */
  brokers: z.array(z.string().min(1)).min(1, 'list at least one broker'),
  topic: z.string().min(1),
  /** Consumer group; offsets are committed only after the tiles are written. */
  groupId: z.string().min(1),
  clientId: z.string().min(1).optional(),
});

export const BrokerSchema = z.discriminatedUnion('kind', [NatsBrokerSchema, RedisStreamBrokerSchema, KafkaBrokerSchema]);

export const StreamSourceSchema = z.strictObject({
  name: Name,
  type: z.literal('stream'),
  /** Field of each JSON event holding its time (an ISO 8601 string with zone, or epoch milliseconds). */
  timestampField: z.string().min(1).default('event_timestamp'),
  /** Broker events carry no created time: a late correction is a new event. */
  createdTimestampField: z.undefined({ error: 'stream events have no created time; leave createdTimestampField out' }).optional(),
  broker: BrokerSchema,
  /** A file, table or sql source holding the same events (same field names) for training and backfills. */
  batchSource: Name,
  /**
   * How far behind the newest event time an event may arrive and still update its tile; later ones are dropped and
   * counted (`featureflow_stream_late_events_total`). Default 1m.
   */
  allowedLateness: Duration.default('1m'),
  description: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
});

export type Broker = z.output<typeof BrokerSchema>;
export type NatsBroker = z.output<typeof NatsBrokerSchema>;
export type RedisStreamBroker = z.output<typeof RedisStreamBrokerSchema>;
export type KafkaBroker = z.output<typeof KafkaBrokerSchema>;
export type StreamSource = z.output<typeof StreamSourceSchema>;
