/**
 * A set of distinct substrings of one text, held as where they are in it: count_distinct's union over a window's
 * tiles (tile-fold.ts) without a string per item, which a Set<string> needs (a slice per item was the bulk of a
 * read's allocations after the states were no longer split). Items are equal when their characters are; open
 * addressing with linear probing on FNV-1a hashes of the characters, at most half full.
 */
export class RangeSet {
  private text: string | undefined;
  /** Per slot: start, end and hash of its item; start -1 when the slot is free. */
  private slots: number[];
  private mask: number;
  size = 0;

  constructor(capacity = 64) {
    let slots = 8;
    while (slots < capacity) slots *= 2;
    this.slots = new Array<number>(slots * 3).fill(-1);
    this.mask = slots - 1;
  }

  /** Adds text[from, to); every item of one set must come from the same text (one read's tile hash). */
  add(text: string, from: number, to: number): void {
    if (this.text === undefined) this.text = text;
    else if (text !== this.text) throw new Error('RangeSet: an item of another text');
    let hash = 0x811c9dc5 | 0;
    for (let i = from; i < to; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16_777_619);
    const slots = this.slots;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const at = slot * 3;
      const start = slots[at] as number;
      if (start === -1) {
        slots[at] = from;
        slots[at + 1] = to;
        slots[at + 2] = hash;
        if (++this.size * 2 > this.mask + 1) this.grow();
        return;
      }
      if (slots[at + 2] === hash && same(text, start, slots[at + 1] as number, from, to)) return;
    }
  }

  /** Empties the set for reuse; one grown past `keep` slots (a rare huge union) is let go rather than kept. */
  clear(keep = 4096): void {
    this.text = undefined;
    if (this.size === 0) return;
    this.size = 0;
    if (this.mask + 1 > keep) {
      this.slots = new Array<number>(64 * 3).fill(-1);
      this.mask = 63;
    } else {
      this.slots.fill(-1);
    }
  }

  private grow(): void {
    const old = this.slots;
    const count = (this.mask + 1) * 2;
    this.slots = new Array<number>(count * 3).fill(-1);
    this.mask = count - 1;
    for (let at = 0; at < old.length; at += 3) {
      if (old[at] === -1) continue;
      let slot = (old[at + 2] as number) & this.mask;
      while (this.slots[slot * 3] !== -1) slot = (slot + 1) & this.mask;
      this.slots[slot * 3] = old[at] as number;
      this.slots[slot * 3 + 1] = old[at + 1] as number;
      this.slots[slot * 3 + 2] = old[at + 2] as number;
    }
  }
}

function same(text: string, a: number, aEnd: number, b: number, bEnd: number): boolean {
  if (aEnd - a !== bEnd - b) return false;
  for (; a < aEnd; a++, b++) if (text.charCodeAt(a) !== text.charCodeAt(b)) return false;
  return true;
}
