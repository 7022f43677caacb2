/**
 * A small cache of values computed per key and version (a file and its version), which also
 * shares one computation between callers that ask at the same time.
 *
 * Completion asks for the project index on nearly every keystroke; running `odibi list --json`
 * each time would spawn a Python process per key press. With this cache it runs once per saved
 * version of the project, and concurrent requests wait for the same run.
 */

interface Slot<V> {
  version: string;
  value: Promise<V>;
}

export class VersionedCache<V> {
  private readonly slots = new Map<string, Slot<V>>();

  constructor(private readonly capacity = 32) {}

  /** The value for `key` at `version`; `compute` runs only when that version was not seen last. */
  get(key: string, version: string, compute: () => Promise<V>): Promise<V> {
    const slot = this.slots.get(key);
    if (slot && slot.version === version) {
      // Refresh the key's place so the least recently used one is evicted first.
      this.slots.delete(key);
      this.slots.set(key, slot);
      return slot.value;
    }
    const value = compute();
    this.slots.delete(key);
    this.slots.set(key, { version, value });
    // A failed computation is not kept: the next request tries again.
    value.catch(() => {
      if (this.slots.get(key)?.value === value) {
        this.slots.delete(key);
      }
    });
    while (this.slots.size > this.capacity) {
      const oldest = this.slots.keys().next().value as string;
      this.slots.delete(oldest);
    }
    return value;
  }

  invalidate(key?: string): void {
    if (key === undefined) {
      this.slots.clear();
    } else {
      this.slots.delete(key);
    }
  }

  get size(): number {
    return this.slots.size;
  }
}
