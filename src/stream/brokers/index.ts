/**
 * The broker reader of a stream source, by broker kind. The reader is created closed: the ingest loop opens it at
 * the positions stored with the view's tiles (reader.open(positions)).
 */
import type { StreamSource } from '../../registry/stream-schema.js';
import type { BrokerReader } from '../types.js';
import { KafkaReader } from './kafka.js';
import { NatsReader } from './nats.js';
import { RedisStreamReader } from './redis-stream.js';

export interface ReaderDefaults {
  /** The online store's Redis URL: a `redis-stream` broker without its own url reads from it. */
  redisUrl: string;
  /** Names the consumer after the view (NATS connection name, Redis Streams consumer name). */
  view: string;
}

export function openReader(source: Pick<StreamSource, 'broker'>, defaults: ReaderDefaults): BrokerReader {
  const { broker } = source;
  switch (broker.kind) {
    case 'nats':
      return new NatsReader(broker, { connectionName: `featureflow-stream-${defaults.view}` });
    case 'redis-stream':
      return new RedisStreamReader(broker, { defaultUrl: defaults.redisUrl, consumer: `featureflow-${defaults.view}` });
    case 'kafka':
      return new KafkaReader(broker);
  }
}

export { KafkaReader, NatsReader, RedisStreamReader };
export type { KafkaAdminPort, KafkaBatchPort, KafkaConsumerPort, KafkaPorts } from './kafka.js';
