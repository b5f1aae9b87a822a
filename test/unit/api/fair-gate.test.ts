import { afterEach, describe, expect, it, vi } from 'vitest';
import { OverloadedError } from '../../../src/api/admission.js';
import { FairGate, type FairGateOptions } from '../../../src/api/fair-gate.js';

function gate(options: Partial<FairGateOptions> = {}): { gate: FairGate; refusals: string[] } {
  const refusals: string[] = [];
  const g = new FairGate({ slots: 2, perClientQueue: 10, totalQueue: 100, maxWaitMs: 1000, onRefuse: (r) => refusals.push(r), ...options });
  return { gate: g, refusals };
}

/** Enters for `client` and records the order in which entries are admitted. */
function track(g: FairGate, client: string, admitted: string[]): Promise<void> {
  return g.enter(client).then(() => {
    admitted.push(client);
  });
}

describe('FairGate', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('admits at once while slots are free', async () => {
    const { gate: g } = gate();
    await g.enter('a');
    await g.enter('a');
    expect(g.inFlight).toBe(2);
    expect(g.inQueue).toBe(0);
  });

  it('hands freed slots round-robin between clients, not in arrival order', async () => {
    const { gate: g } = gate({ slots: 1 });
    await g.enter('flooder');
    const admitted: string[] = [];
    const waits = [...Array.from({ length: 5 }, () => track(g, 'flooder', admitted)), track(g, 'polite', admitted)];
    for (let i = 0; i < 6; i++) {
      g.leave();
      await Promise.resolve();
      await Promise.resolve();
    }
    await Promise.all(waits);
    expect(admitted.indexOf('polite')).toBe(1);
    expect(admitted.filter((c) => c === 'flooder')).toHaveLength(5);
  });

  it('refuses a client whose queue is full, after the slot wait, while others may still queue', async () => {
    vi.useFakeTimers();
    const { gate: g, refusals } = gate({ slots: 1, perClientQueue: 2, maxWaitMs: 500 });
    await g.enter('a');
    const queued = [g.enter('a'), g.enter('a')];
    let refusal: unknown;
    const refused = g.enter('a').catch((err: unknown) => {
      refusal = err;
    });
    expect(refusals).toEqual(['client_queue']);
    const other = g.enter('b');
    expect(g.inQueue).toBe(3);
    // Not answered at once: a client ignoring Retry-After must not get refusals as fast as it can ask.
    await vi.advanceTimersByTimeAsync(400);
    expect(refusal).toBeUndefined();
    g.leave();
    g.leave();
    g.leave();
    await Promise.all([...queued, other]);
    await vi.advanceTimersByTimeAsync(100);
    await refused;
    expect(refusal).toBeInstanceOf(OverloadedError);
  });

  it('refuses when the queue across all clients is full', async () => {
    const { gate: g, refusals } = gate({ slots: 1, totalQueue: 1, maxWaitMs: 20 });
    await g.enter('a');
    const waiting = g.enter('b').catch((err: unknown) => err);
    await expect(g.enter('c')).rejects.toThrow(/reads are waiting already/);
    expect(refusals[0]).toBe('queue');
    expect(await waiting).toBeInstanceOf(OverloadedError);
  });

  it('refuses a read that waited past maxWaitMs and frees its place in the queue', async () => {
    vi.useFakeTimers();
    const { gate: g, refusals } = gate({ slots: 1, maxWaitMs: 500 });
    await g.enter('a');
    const waiting = g.enter('b');
    const assertion = expect(waiting).rejects.toThrow(/within 500 ms/);
    await vi.advanceTimersByTimeAsync(501);
    await assertion;
    expect(refusals).toEqual(['wait']);
    expect(g.inQueue).toBe(0);
    g.leave();
    expect(g.inFlight).toBe(0);
  });
});
