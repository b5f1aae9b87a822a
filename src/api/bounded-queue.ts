/**
 * A queue bounded by a count of rows, between the request path and a background writer. Pushing never waits and
 * never lets memory grow past `capacity` rows: a batch that does not fit is dropped whole and its rows counted, so
 * a writer that falls behind (slow disk, object storage down) costs log rows, never serving latency.
 */
export class BoundedQueue<T> {
  private items: Array<{ item: T; rows: number }> = [];
  private held = 0;
  private droppedRows = 0;

  constructor(readonly capacity: number) {
    if (!(capacity > 0)) throw new RangeError(`queue capacity must be positive, got ${capacity}`);
  }

  /** Adds `item` (worth `rows` rows) if it fits; false when it was dropped. */
  push(item: T, rows: number): boolean {
    if (this.held + rows > this.capacity) {
      this.droppedRows += rows;
      return false;
    }
    this.items.push({ item, rows });
    this.held += rows;
    return true;
  }

  /** Takes everything queued, oldest first, and frees its room. */
  drain(): T[] {
    const taken = this.items.map((entry) => entry.item);
    this.items = [];
    this.held = 0;
    return taken;
  }

  /** Rows queued now. */
  get rows(): number {
    return this.held;
  }

  /** Rows dropped since the queue was made. */
  get dropped(): number {
    return this.droppedRows;
  }
}
