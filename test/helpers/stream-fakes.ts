// In-memory stand-ins for the ingest loop's broker reader, tile sink and partials: a log of messages with positions,
// and a sink that does the compare-and-set on positions the Redis script does.
import { comparePositions } from '../../src/stream/positions.js';
import type { PartialsBuilder, PartialsResult, StreamStateUpdate, StreamTouch, TileSink } from '../../src/stream/ingest.js';
import type { StreamEvent } from '../../src/stream/events.js';
import type { BrokerReader, Positions, StreamMessage, StreamState } from '../../src/stream/types.js';

export class FakeReader implements BrokerReader {
  readonly calls: string[] = [];
  /** Where next() reads from; open() moves it after `after` unless `replayFrom` says otherwise. */
  private cursor = 0;
  opened: Positions | undefined;
  closed = false;
  acked: Positions = {};
  /** Set to make open() ignore `after` and start at this index (a broker redelivering what was applied). */
  replayFrom: number | undefined;
  onEmpty: (() => void) | undefined;
  pendingAnswer: number | 'count' | undefined = 'count';
  pendingCalls = 0;

  constructor(readonly log: StreamMessage[]) {}

  async open(after: Positions): Promise<void> {
    this.calls.push(`open ${JSON.stringify(after)}`);
    this.opened = after;
    const done = after['0'];
    this.cursor = this.replayFrom ?? (done === undefined ? 0 : this.log.findIndex((m) => comparePositions(m.position, done) > 0));
    if (this.cursor < 0) this.cursor = this.log.length;
  }

  async next(max: number): Promise<StreamMessage[]> {
    const out = this.log.slice(this.cursor, this.cursor + max);
    this.cursor += out.length;
    this.calls.push(`next ${out.length}`);
    if (out.length === 0) this.onEmpty?.();
    return out;
  }

  async ack(upTo: Positions): Promise<void> {
    this.calls.push(`ack ${JSON.stringify(upTo)}`);
    this.acked = upTo;
  }

  async pending(): Promise<number | undefined> {
    this.pendingCalls++;
    return this.pendingAnswer === 'count' ? this.log.length - this.cursor : this.pendingAnswer;
  }

  async close(): Promise<void> {
    this.calls.push('close');
    this.closed = true;
  }
}

/** One tile row per event: the entity's card and amount (so tests can sum them). */
export interface FakeRow {
  card: string;
  amount: number;
}

export class FakeSink implements TileSink<FakeRow> {
  state: StreamState | undefined;
  readonly rows: FakeRow[] = [];
  readonly touches: StreamTouch[] = [];
  readonly applies: StreamStateUpdate[] = [];
  /** Called inside apply before the compare, to simulate another consumer writing first. */
  beforeApply: (() => void) | undefined;

  constructor(private readonly calls: string[] = []) {}

  async readState(): Promise<StreamState | undefined> {
    return this.state === undefined ? undefined : structuredClone(this.state);
  }

  async apply(batch: { expected: Positions | undefined; next: StreamStateUpdate; rows: FakeRow[] }): Promise<'applied' | 'stale'> {
    this.beforeApply?.();
    const stored = this.state === undefined ? undefined : JSON.stringify(this.state.positions);
    const expected = batch.expected === undefined ? undefined : JSON.stringify(batch.expected);
    if (stored !== expected) {
      this.calls.push('apply stale');
      return 'stale';
    }
    this.calls.push(`apply ${JSON.stringify(batch.next.positions)}`);
    const { next } = batch;
    const s = this.state ?? { positions: {}, watermarkMicros: 0, events: 0, late: 0, invalid: 0, updatedAtMs: 0, caughtUpAtMs: 0, pending: 0 };
    this.state = {
      positions: next.positions,
      watermarkMicros: next.watermarkMicros,
      events: s.events + next.events,
      late: s.late + next.late,
      invalid: s.invalid + next.invalid,
      updatedAtMs: next.updatedAtMs,
      caughtUpAtMs: next.caughtUpAtMs ?? s.caughtUpAtMs,
      pending: next.pending,
    };
    this.rows.push(...batch.rows);
    this.applies.push(next);
    return 'applied';
  }

  async touch(update: StreamTouch): Promise<void> {
    this.touches.push(update);
  }

  sum(card: string): number {
    return this.rows.filter((r) => r.card === card).reduce((a, r) => a + r.amount, 0);
  }
}

export const fakePartials: PartialsBuilder<FakeRow> = {
  async aggregate(events: readonly StreamEvent[]): Promise<PartialsResult<FakeRow>> {
    return {
      rows: events.map((e) => {
        const record = JSON.parse(e.json) as Record<string, unknown>;
        return { card: String(record.card), amount: Number(record.amount ?? 0) };
      }),
    };
  },
};

/** Messages at positions 1..n of partition 0 with the given events. */
export function messageLog(events: ReadonlyArray<Record<string, unknown> | string>): StreamMessage[] {
  return events.map((e, i) => ({
    partition: '0',
    position: String(i + 1),
    data: new TextEncoder().encode(typeof e === 'string' ? e : JSON.stringify(e)),
  }));
}
