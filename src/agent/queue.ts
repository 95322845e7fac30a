/**
 * The bounded event queue between sources and the engine. In `drop` mode a push onto a full queue
 * drops the new item and counts it; in `block` mode the push is accepted but returns a Promise that
 * resolves once the queue is back under capacity, which a source uses to pause (backpressure; the
 * overshoot is bounded by what a source emits before it pauses, e.g. one read chunk).
 */
export type Overflow = 'drop' | 'block';

export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  private dropped = 0;
  private spaceWaiters: Array<() => void> = [];
  private itemWaiters: Array<() => void> = [];
  private closed = false;

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.items.length - this.head;
  }

  get droppedCount(): number {
    return this.dropped;
  }

  /** Returns true when taken, false when dropped; a Promise (taken, wait before pushing more) in block mode at capacity. */
  push(item: T, overflow: Overflow): boolean | Promise<void> {
    if (this.closed) { this.dropped++; return false; }
    if (this.length >= this.capacity && overflow === 'drop') {
      this.dropped++;
      return false;
    }
    this.items.push(item);
    this.notifyItem();
    if (overflow === 'block' && this.length >= this.capacity) {
      return new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
    }
    return true;
  }

  /** Removes up to `max` items. */
  take(max: number): T[] {
    const n = Math.min(max, this.length);
    const out = this.items.slice(this.head, this.head + n);
    this.head += n;
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.length < this.capacity && this.spaceWaiters.length) {
      const ws = this.spaceWaiters;
      this.spaceWaiters = [];
      for (const w of ws) w();
    }
    return out;
  }

  /** Resolves when an item is available or the queue was closed. */
  waitForItems(): Promise<void> {
    if (this.length > 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.itemWaiters.push(resolve));
  }

  private notifyItem(): void {
    if (!this.itemWaiters.length) return;
    const ws = this.itemWaiters;
    this.itemWaiters = [];
    for (const w of ws) w();
  }

  /** No more pushes; wakes the consumer and any blocked producer. */
  close(): void {
    this.closed = true;
    this.notifyItem();
    const ws = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const w of ws) w();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
