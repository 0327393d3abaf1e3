// The viewer's lines: a ring buffer of fixed capacity. Every line gets a sequence number that
// never repeats, so rows, search matches and the scroll anchor name a line by `seq` and stay
// right while old lines fall out of the front.

/** How many lines the viewer keeps (older ones are dropped from the view, never from the server). */
export const RING_CAPACITY = 50_000;

export class Ring<T> {
  readonly capacity: number;
  private readonly items: (T | undefined)[];
  /** Slot of the oldest item. */
  private head = 0;
  private length = 0;
  /** Sequence number of the oldest item held (the next one pushed gets `firstSeq + size`). */
  private first = 0;

  constructor(capacity: number = RING_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`ring capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.length;
  }

  /** Sequence number of the oldest line held (equals `endSeq` when empty). */
  get firstSeq(): number {
    return this.first;
  }

  /** Sequence number the next line will get. */
  get endSeq(): number {
    return this.first + this.length;
  }

  /** Lines pushed that no longer fit (dropped from the front). */
  get evicted(): number {
    return this.first;
  }

  /** Appends `values`; returns how many old ones fell out. */
  push(values: readonly T[]): number {
    let dropped = 0;
    for (const value of values) {
      const slot = (this.head + this.length) % this.capacity;
      this.items[slot] = value;
      if (this.length < this.capacity) this.length += 1;
      else {
        this.head = (this.head + 1) % this.capacity;
        this.first += 1;
        dropped += 1;
      }
    }
    return dropped;
  }

  /** The `index`-th line held (0 = oldest). */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.length) return undefined;
    return this.items[(this.head + index) % this.capacity];
  }

  /** The line with sequence number `seq`, if still held. */
  bySeq(seq: number): T | undefined {
    return this.at(seq - this.first);
  }

  /** Calls `fn` for each held line from sequence number `fromSeq` on (oldest first). */
  forEachFrom(fromSeq: number, fn: (value: T, seq: number) => void): void {
    for (let seq = Math.max(fromSeq, this.first); seq < this.endSeq; seq += 1) {
      const value = this.at(seq - this.first);
      if (value !== undefined) fn(value, seq);
    }
  }
}
