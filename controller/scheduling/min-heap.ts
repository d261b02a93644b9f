/**
 * A binary min-heap whose entries can be re-keyed or removed in O(log n): the scheduler's fair
 * order changes a workspace's key each time one of its jobs starts.
 */
export class IndexedMinHeap<T> {
  private readonly items: T[] = [];
  private readonly positions = new Map<T, number>();

  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  has(item: T): boolean {
    return this.positions.has(item);
  }

  push(item: T): void {
    this.items.push(item);
    this.positions.set(item, this.items.length - 1);
    this.up(this.items.length - 1);
  }

  /** Restores heap order after the item's key changed (either way). */
  update(item: T): void {
    const index = this.positions.get(item);
    if (index === undefined) return;
    this.up(index);
    this.down(this.positions.get(item)!);
  }

  remove(item: T): void {
    const index = this.positions.get(item);
    if (index === undefined) return;
    const last = this.items.pop()!;
    this.positions.delete(item);
    if (index === this.items.length) return;
    this.items[index] = last;
    this.positions.set(last, index);
    this.update(last);
  }

  private swap(a: number, b: number): void {
    const itemA = this.items[a]!;
    const itemB = this.items[b]!;
    this.items[a] = itemB;
    this.items[b] = itemA;
    this.positions.set(itemB, a);
    this.positions.set(itemA, b);
  }

  private up(index: number): void {
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.less(this.items[index]!, this.items[parent]!)) return;
      this.swap(index, parent);
      index = parent;
    }
  }

  private down(index: number): void {
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < this.items.length && this.less(this.items[left]!, this.items[smallest]!)) smallest = left;
      if (right < this.items.length && this.less(this.items[right]!, this.items[smallest]!)) smallest = right;
      if (smallest === index) return;
      this.swap(index, smallest);
      index = smallest;
    }
  }
}
