import { describe, expect, it } from 'vitest';
import { replySequences } from '../../../src/stream/brokers/nats.js';

/** What the reader falls back to (the client's own m.seq); -1 marks that replySequences could not read the subject. */
const FALLBACK = -1;
const seqOf = (reply: string): number => replySequences(reply)?.seq ?? FALLBACK;

describe('replySequences', () => {
  it('reads the stream sequence of the old (9 tokens) and new (11-12 tokens) reply subjects', () => {
    expect(seqOf('$JS.ACK.orders.durable.1.42.7.1733300000000000000.3')).toBe(42);
    expect(seqOf('$JS.ACK._.ACCHASH.orders.durable.2.9007199254740991.12.1733300000000000000.0')).toBe(9007199254740991);
    expect(seqOf('$JS.ACK.hub.ACCHASH.ffbench_ab12.ffb_1.1.1000000.999999.1733300000000000000.5.rnd')).toBe(1000000);
  });

  it('reads the delivery sequence beside the stream sequence', () => {
    expect(replySequences('$JS.ACK.orders.durable.1.42.7.1733300000000000000.3')).toEqual({ seq: 42, deliverySeq: 7 });
    expect(replySequences('$JS.ACK.hub.ACCHASH.ffbench_ab12.ffb_1.1.1000000.999999.1733300000000000000.5.rnd')).toEqual({ seq: 1000000, deliverySeq: 999999 });
    expect(replySequences('$JS.ACK.s.c.1.5.x.1.3')).toBeUndefined();
  });

  it('leaves any other subject to the client (which refuses what is no JetStream reply)', () => {
    for (const reply of ['$JS.ACK.too.short', '_INBOX.a.b.c.d.e.f.g.h', '$JS.ACK.s.c.1.x.7.1.3', '$JS.ACK.s.c.1.0.7.1.3', '$JS.ACK.s.c.1.9007199254740993.7.1.3', '']) {
      expect(seqOf(reply)).toBe(FALLBACK);
    }
  });
});
