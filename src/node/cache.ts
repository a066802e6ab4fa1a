/** Bounded insertion-ordered map: the oldest entry is evicted when a new key would exceed the capacity. */
export class BoundedMap<K, V> {
  readonly capacity: number;
  private readonly map = new Map<K, V>();
  /** Called for each evicted entry. */
  onEvict: ((key: K, value: V) => void) | null = null;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
  }

  get size(): number {
    return this.map.size;
  }
  has(key: K): boolean {
    return this.map.has(key);
  }
  get(key: K): V | undefined {
    return this.map.get(key);
  }
  delete(key: K): boolean {
    return this.map.delete(key);
  }
  values(): IterableIterator<V> {
    return this.map.values();
  }

  set(key: K, value: V): void {
    if (this.map.has(key)) {
      this.map.set(key, value);
      return;
    }
    while (this.map.size >= this.capacity) {
      const first = this.map.entries().next();
      if (first.done) break;
      this.map.delete(first.value[0]);
      this.onEvict?.(first.value[0], first.value[1]);
    }
    this.map.set(key, value);
  }
}
