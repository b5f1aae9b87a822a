/**
 * The contracts between the parts of stream ingestion: broker readers (brokers/), the ingest loop (ingest.ts),
 * the Temporal activity that runs it, and the state it leaves in Redis for `stream status`, `/metrics` and serving.
 */

/** Partition -> last position applied to the tiles (NATS: stream sequence; Redis Streams: entry id; Kafka: offset). */
export type Positions = Record<string, string>;

export interface StreamMessage {
  /** `0` for NATS and Redis Streams (one ordered log); the partition number for Kafka. */
  partition: string;
  /** Position within the partition, as `Positions` holds it. */
  position: string;
  /** The event, JSON. */
  data: Uint8Array;
}

/**
 * One broker's consumer. The tiles in Redis are the truth about what was applied: a reader starts after the given
 * positions whatever the broker remembers, and acknowledges only what the ingest loop says was written.
 */
export interface BrokerReader {
  /** Connects, creates the durable consumer / group when missing, and positions it after `after`. */
  open(after: Positions): Promise<void>;
  /** Up to `max` messages in position order per partition, waiting at most `waitMs` when none is ready. */
  next(max: number, waitMs: number): Promise<StreamMessage[]>;
  /** Acknowledges every message up to and including these positions. */
  ack(upTo: Positions): Promise<void>;
  /** Messages in the broker not yet delivered to us (consumer lag), or undefined if the broker cannot say. */
  pending(): Promise<number | undefined>;
  close(): Promise<void>;
}

/** What a view's ingestion has done, kept in Redis (`stream status`, `/metrics`) and sent in heartbeats. */
export interface StreamState {
  positions: Positions;
  /** Greatest event time applied, epoch microseconds (0 before the first event). */
  watermarkMicros: number;
  /** Events folded into tiles, in all. */
  events: number;
  /** Events older than the watermark minus allowedLateness, dropped. */
  late: number;
  /** Messages that were not a valid event (bad JSON, missing key or time), skipped. */
  invalid: number;
  /** Wall time of the last batch written or the last empty poll, epoch ms. */
  updatedAtMs: number;
  /** Wall time at which the consumer last had nothing pending in the broker, epoch ms (freshness). */
  caughtUpAtMs: number;
  /** Broker messages not yet read at the last poll. */
  pending: number;
}

/**
 * What one batch changes in the view's state: positions and times are set, counters (events, late, invalid,
 * overflow) are increments, the watermark is the greater of the stored one and the batch's.
 */
export interface StreamStateUpdate {
  positions: Positions;
  /** Greatest event time in the batch (epoch micros); the stored watermark keeps the greater. */
  watermarkMicros: number;
  events: number;
  late: number;
  invalid: number;
  /** count_distinct values dropped beyond the per-tile cap. */
  overflow?: number;
  updatedAtMs: number;
  /** Set when the consumer is caught up; left as stored when undefined. */
  caughtUpAtMs?: number;
  /** Broker messages not yet read (the last value the broker gave when it cannot say now). */
  pending: number;
}
