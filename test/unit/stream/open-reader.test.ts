import { describe, expect, it } from 'vitest';
import { KafkaReader, NatsReader, openReader, RedisStreamReader } from '../../../src/stream/brokers/index.js';

const defaults = { redisUrl: 'redis://127.0.0.1:6379', view: 'tx' };

describe('openReader', () => {
  it('makes the reader of the source broker kind, not yet connected', () => {
    expect(openReader({ broker: { kind: 'nats', url: 'nats://127.0.0.1:4222', stream: 's', subject: 'a.b', durable: 'd' } }, defaults)).toBeInstanceOf(NatsReader);
    expect(openReader({ broker: { kind: 'redis-stream', key: 'k', group: 'g' } }, defaults)).toBeInstanceOf(RedisStreamReader);
    expect(openReader({ broker: { kind: 'kafka', brokers: ['k:9092'], topic: 't', groupId: 'g' } }, defaults)).toBeInstanceOf(KafkaReader);
  });
});
