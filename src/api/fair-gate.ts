/**
 * Admission of reads, fair between clients. At most `slots` reads run at once; past that, each client waits in its
 * own queue and freed slots go round-robin from client to client. A client flooding the server therefore gets one
 * slot per turn like anyone else: a well-behaved client's request waits for one read to finish, not for the
 * flooder's backlog. A closed-loop flooder also sends nothing new while its requests wait, so queueing (rather than
 * answering 503 at once, which invites the next request immediately) is what takes its CPU share away.
 * A client whose queue is full, a full queue overall, or a wait past `maxWaitMs` get 503 OVERLOADED, and a refusal
 * is only answered after `maxWaitMs` too: a client ignoring Retry-After would otherwise turn refusals into a flood of
 * cheap round trips that takes the CPU from everyone else (measured: 20k refusals/s, others' p99 from 8 to 100 ms).
 */
import { OverloadedError } from './admission.js';

export interface FairGateOptions {
  /** Reads running at once (limits.maxInFlightReads). */
  slots: number;
  /** Reads one client may have waiting (limits.maxQueuedReadsPerClient). */
  perClientQueue: number;
  /** Reads waiting across all clients. */
  totalQueue: number;
  /** Longest wait for a slot before the read is refused; also how long a refusal takes to be answered. */
  maxWaitMs: number;
  /** Told of every refusal (the metrics count them). */
  onRefuse?: (reason: 'client_queue' | 'queue' | 'wait') => void;
}

interface Waiter {
  admit(): void;
  timer: NodeJS.Timeout;
}

export class FairGate {
  private active = 0;
  private queued = 0;
  /** Clients with waiting reads, in round-robin order (a Map keeps insertion order; re-inserting moves to the end). */
  private readonly waiting = new Map<string, Waiter[]>();

  constructor(private readonly options: FairGateOptions) {}

  get inFlight(): number {
    return this.active;
  }

  get inQueue(): number {
    return this.queued;
  }

  /** Resolves once the read may run (call leave() exactly once after); rejects with OverloadedError. */
  enter(client: string): Promise<void> {
    if (this.active < this.options.slots && this.queued === 0) {
      this.active++;
      return Promise.resolve();
    }
    const queue = this.waiting.get(client) ?? [];
    if (queue.length >= this.options.perClientQueue) return this.refuse('client_queue', `this client has ${queue.length} reads waiting already`);
    if (this.queued >= this.options.totalQueue) return this.refuse('queue', `${this.queued} reads are waiting already`);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        admit: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          this.drop(client, waiter);
          this.options.onRefuse?.('wait');
          reject(new OverloadedError(`no read slot freed within ${this.options.maxWaitMs} ms; retry shortly`));
        }, this.options.maxWaitMs),
      };
      queue.push(waiter);
      this.queued++;
      if (!this.waiting.has(client)) this.waiting.set(client, queue);
    });
  }

  leave(): void {
    this.active--;
    while (this.active < this.options.slots && this.waiting.size > 0) {
      const [client, queue] = this.waiting.entries().next().value as [string, Waiter[]];
      const waiter = queue.shift() as Waiter;
      this.queued--;
      this.waiting.delete(client);
      if (queue.length > 0) this.waiting.set(client, queue);
      this.active++;
      waiter.admit();
    }
  }

  private drop(client: string, waiter: Waiter): void {
    const queue = this.waiting.get(client);
    const at = queue?.indexOf(waiter) ?? -1;
    if (!queue || at < 0) return;
    queue.splice(at, 1);
    this.queued--;
    if (queue.length === 0) this.waiting.delete(client);
  }

  private refuse(reason: 'client_queue' | 'queue', why: string): Promise<never> {
    this.options.onRefuse?.(reason);
    const error = new OverloadedError(`the server is at its limit of reads (${why}); retry shortly`);
    return new Promise((_, reject) => setTimeout(() => reject(error), this.options.maxWaitMs));
  }
}
