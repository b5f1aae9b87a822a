/**
 * NATS JetStream reader: a durable pull consumer with AckPolicy.All, so acknowledging the last message of a batch
 * acknowledges the whole batch. The tiles in Redis are the truth: open(after) keeps the durable consumer only when
 * it stands exactly at `after` (ack floor and last delivered both equal `after`, nothing awaiting ack); otherwise it
 * deletes and recreates it with DeliverPolicy.StartSequence = after + 1. A consumer with unacknowledged messages
 * would redeliver them after ack_wait, out of order with the new ones, so it is never reused.
 *
 * Messages are pulled by one long-lived `consume()` (the client refills its pull requests as messages arrive) into a
 * local queue that next() drains: fetch() would not do, because it waits until the whole batch or its expiry
 * (1 s at least) before returning, which would add up to a second to every event. The queue is bounded by the
 * consumer's max_ack_pending. A message redelivered after ack_wait (a very slow batch) is dropped by sequence, so
 * next() returns every sequence once and in order.
 *
 * The consume loop hands messages to a callback rather than an async iterator: the iterator's promise and
 * microtask per message, with the client's delivery-info parse (a split of the reply subject into 11 strings) for
 * each sequence, were a quarter of the ingest bench's main thread; the sequence is read from the reply subject
 * in place (replySequences).
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { ConsumerConfig, ConsumerInfo, ConsumerMessages, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import type { NatsBroker } from '../../registry/stream-schema.js';
import { BrokerUnavailableError } from '../errors.js';
import type { BrokerReader, Positions, StreamMessage } from '../types.js';

/** The only partition of a JetStream stream: sequences are global to the stream. */
const PARTITION = '0';
/** How long a delivered message may stay unacknowledged before the server redelivers it. */
const ACK_WAIT_MS = 120_000;
/**
 * Delivered-but-unacknowledged messages at most: bounds the local queue and must exceed two batches (one being
 * written, the next being prepared). Messages queued ahead outlive young-generation collections: 50,000 held
 * ~120 MB more at peak than 15,000 in bench:stream (469 vs 347 MB, 5,000-event batches) for no more throughput.
 */
const MAX_ACK_PENDING = 15_000;
/** Messages per pull request of the consume loop. */
const PULL_BATCH = 2_000;

export interface NatsReaderOptions {
  /** Name the connection shows in the server's monitoring (e.g. `featureflow-stream-<view>`). */
  connectionName?: string;
}

/** The consumer stands exactly at `start` and has nothing outstanding: keeping it loses and repeats nothing. */
export function consumerAt(info: ConsumerInfo, start: number, subject: string): boolean {
  return (
    info.config.ack_policy === AckPolicy.All &&
    (info.config.filter_subject ?? '') === subject &&
    info.ack_floor.stream_seq === start &&
    info.delivered.stream_seq === start &&
    info.num_ack_pending === 0
  );
}

function startOf(after: Positions): number {
  const position = after[PARTITION];
  if (position === undefined) return 0;
  const seq = Number(position);
  if (!Number.isSafeInteger(seq) || seq < 0) throw new Error(`NATS position ${JSON.stringify(position)} is not a stream sequence`);
  return seq;
}

/**
 * A delivered message as the queue keeps it: its body, stream and delivery sequences and reply subject, not the
 * client's message objects (a JsMsg, its Msg and parsed arguments), which, queued through a batch's write, outlived
 * young-generation collections and were most of what they promoted.
 */
interface Queued {
  data: Uint8Array;
  seq: number;
  deliverySeq: number;
  reply: string;
}

/** The reply subject of a delivered message: the client's message class has it, its JsMsg type does not say so. */
function replyOf(m: JsMsg): string {
  const reply = (m as { reply?: unknown }).reply;
  return typeof reply === 'string' ? reply : '';
}

/** The body of a positive acknowledgement (JsMsg.ack() publishes it to the message's reply subject). */
const ACK = new TextEncoder().encode('+ACK');

/**
 * The stream and delivery sequences of a delivered message, read from its reply subject in place: `$JS.ACK.<stream>.
 * <consumer>.<delivered>.<seq>.<delivery seq>...` (9 tokens) or `$JS.ACK.<domain>.<hash>.<stream>.<consumer>.
 * <delivered>.<seq>.<delivery seq>...` (11 or more); the client's m.seq and m.info split the subject and parse five
 * numbers. undefined for anything else (the client's parse then answers).
 */
export function replySequences(reply: string): { seq: number; deliverySeq: number } | undefined {
  const dots: number[] = [];
  for (let i = reply.indexOf('.'); i >= 0 && dots.length < 12; i = reply.indexOf('.', i + 1)) dots.push(i);
  const tokens = dots.length + 1;
  const at = tokens === 9 ? 5 : tokens >= 11 ? 7 : -1;
  if (at < 0 || !reply.startsWith('$JS.ACK.')) return undefined;
  const seq = Number(reply.slice((dots[at - 1] as number) + 1, dots[at] as number));
  const deliverySeq = Number(reply.slice((dots[at] as number) + 1, dots[at + 1] as number));
  return Number.isSafeInteger(seq) && seq > 0 && Number.isSafeInteger(deliverySeq) && deliverySeq > 0 ? { seq, deliverySeq } : undefined;
}

function isApiError(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}

export class NatsReader implements BrokerReader {
  private nc: NatsConnection | undefined;
  private jsm: JetStreamManager | undefined;
  private messages: ConsumerMessages | undefined;
  private pump: Promise<void> | undefined;
  /** Why the reader cannot go on (the consume loop failed, or the connection dropped): next() throws it. */
  private failure: unknown;
  private queue: Queued[] = [];
  /**
   * Handed out by next(), not yet acknowledged, in sequence order: the sequence and the reply subject an ack is
   * published to (what JsMsg.ack() does), not the message, whose socket buffers would outlive young-generation
   * collections through the batch's write.
   */
  private unacked: Array<{ seq: number; reply: string }> = [];
  /** Greatest sequence queued: anything at or below it again is a redelivery. */
  private lastQueued = 0;
  /** Consumer (delivery) sequence of the last message handed out: what the server delivered beyond it is ours to read. */
  private handedDelivery = 0;
  private wake: (() => void) | undefined;

  constructor(
    private readonly broker: NatsBroker,
    private readonly options: NatsReaderOptions = {},
  ) {}

  async open(after: Positions): Promise<void> {
    const start = startOf(after);
    const { broker } = this;
    try {
      // No reconnect: a dropped connection ends this reader (see watchConnection), so nothing waits on a dead server.
      this.nc = await connect({ servers: broker.url, name: this.options.connectionName ?? 'featureflow-stream', reconnect: false });
      this.jsm = await jetstreamManager(this.nc);
    } catch (error) {
      await this.close();
      throw new BrokerUnavailableError(`cannot reach NATS JetStream at ${broker.url}: ${(error as Error).message}`, { cause: error });
    }
    try {
      await this.positionConsumer(this.nc, this.jsm, start);
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  private async positionConsumer(nc: NatsConnection, jsm: JetStreamManager, start: number): Promise<void> {
    const { broker } = this;
    let info = await this.consumerInfo();
    if (info === undefined || !consumerAt(info, start, broker.subject)) {
      if (info !== undefined) await jsm.consumers.delete(broker.stream, broker.durable);
      info = await jsm.consumers.add(broker.stream, this.consumerConfig(start));
    }
    this.handedDelivery = info.delivered.consumer_seq;
    const consumer = await jetstream(nc).consumers.get(broker.stream, broker.durable);
    this.lastQueued = start;
    this.messages = await consumer.consume({ max_messages: PULL_BATCH, expires: 5_000, callback: (m) => this.receive(m) });
    this.pump = this.runPump(this.messages);
    void this.watchConnection(nc);
  }

  /**
   * A dropped connection ends this reader: messages the server sent meanwhile are lost on the wire, and the server
   * would redeliver them only after ack_wait, out of order. next() throws a retryable error instead; the retry
   * reopens at the positions in Redis, which repositions the consumer exactly.
   */
  private async watchConnection(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'close') {
        this.failure ??= new Error(`connection to ${this.broker.url} lost`);
        this.wake?.();
      }
    }
  }

  private async consumerInfo(): Promise<ConsumerInfo | undefined> {
    try {
      return await this.manager().consumers.info(this.broker.stream, this.broker.durable);
    } catch (error) {
      if (isApiError(error, JetStreamApiCodes.ConsumerNotFound)) return undefined;
      if (isApiError(error, JetStreamApiCodes.StreamNotFound)) {
        // Retryable: streams are created by whoever runs NATS, possibly after the view was deployed.
        throw new BrokerUnavailableError(`NATS JetStream at ${this.broker.url} has no stream ${this.broker.stream} (create it for subject ${this.broker.subject})`, { cause: error });
      }
      throw error;
    }
  }

  private consumerConfig(start: number): Partial<ConsumerConfig> {
    return {
      durable_name: this.broker.durable,
      filter_subject: this.broker.subject,
      ack_policy: AckPolicy.All,
      ack_wait: nanos(ACK_WAIT_MS),
      max_ack_pending: MAX_ACK_PENDING,
      ...(start > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start + 1 } : { deliver_policy: DeliverPolicy.All }),
    };
  }

  /** The consume callback: runs inside the client's message handler, so it must not throw (that stops the loop). */
  private receive(m: JsMsg): void {
    const reply = replyOf(m);
    const parsed = replySequences(reply);
    const seq = parsed?.seq ?? m.seq;
    if (seq <= this.lastQueued) return;
    this.lastQueued = seq;
    this.queue.push({ data: m.data, seq, deliverySeq: parsed?.deliverySeq ?? m.info.deliverySequence, reply });
    this.wake?.();
  }

  /** Resolves when the consume loop stops: with its error, or after close(). */
  private async runPump(messages: ConsumerMessages): Promise<void> {
    try {
      const error = await messages.closed();
      if (error) this.failure ??= error;
      else if (this.messages === messages) this.failure ??= new Error('the consume loop ended (connection closed?)');
    } catch (error) {
      this.failure ??= error;
    } finally {
      this.wake?.();
    }
  }

  async next(max: number, waitMs: number): Promise<StreamMessage[]> {
    if (this.failure !== undefined) {
      throw new BrokerUnavailableError(`NATS consumer ${this.broker.durable} stopped: ${(this.failure as Error).message ?? String(this.failure)}`, { cause: this.failure });
    }
    if (this.queue.length === 0 && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    // The first message wakes us from inside the client's read of a socket chunk: one macrotask lets it queue the
    // rest of what has arrived, so a batch is everything there rather than its first message (that alone was 2
    // messages per batch and 3x slower under a backlog).
    if (this.queue.length < max) await new Promise<void>((resolve) => setImmediate(resolve));
    const taken = this.queue.length <= max ? this.queue : this.queue.slice(0, max);
    this.queue = taken === this.queue ? [] : this.queue.slice(max);
    for (const q of taken) this.unacked.push({ seq: q.seq, reply: q.reply });
    const last = taken.at(-1);
    if (last !== undefined) this.handedDelivery = last.deliverySeq;
    return taken.map((q) => ({ partition: PARTITION, position: String(q.seq), data: q.data }));
  }

  async ack(upTo: Positions): Promise<void> {
    const position = upTo[PARTITION];
    if (position === undefined || this.nc === undefined) return;
    const seq = Number(position);
    let last = -1;
    for (let i = 0; i < this.unacked.length && (this.unacked[i] as { seq: number }).seq <= seq; i++) last = i;
    if (last < 0) return;
    // AckPolicy.All: acknowledging the last one acknowledges every earlier delivery.
    const { reply } = this.unacked[last] as { reply: string };
    // nc.publish throws on a closed connection where JsMsg.ack() was silent: a dropped connection is next()'s to
    // report (retryable), and the ack is lost either way (see below).
    if (reply !== '' && !this.nc.isClosed() && !this.nc.isDraining()) this.nc.publish(reply, ACK);
    this.unacked = this.unacked.slice(last + 1);
    // A plain publish, not waited for (a flush per batch stalled the loop ~4 ms): an ack lost with the connection only
    // means the consumer is not at the stored position on the next open(), which then recreates it there.
  }

  /**
   * Messages the consumer has not delivered yet plus those delivered but not yet handed out by next() (in the local
   * queue or still on the wire: counting the queue alone would miss those in flight). Redeliveries after ack_wait
   * count until the next message is handed out.
   */
  async pending(): Promise<number | undefined> {
    const info = await this.manager().consumers.info(this.broker.stream, this.broker.durable);
    return info.num_pending + Math.max(0, info.delivered.consumer_seq - this.handedDelivery);
  }

  async close(): Promise<void> {
    const { nc, messages, pump } = this;
    this.nc = undefined;
    this.messages = undefined;
    this.queue = [];
    this.unacked = [];
    try {
      if (messages !== undefined) await messages.close();
      await pump;
    } finally {
      if (nc !== undefined && !nc.isClosed()) {
        await nc.flush().catch(() => undefined); // hand the last acks to the server; a dead connection has nothing to flush
        await nc.close();
      }
    }
  }

  private manager(): JetStreamManager {
    if (this.jsm === undefined) throw new Error('NatsReader: open() first');
    return this.jsm;
  }
}
