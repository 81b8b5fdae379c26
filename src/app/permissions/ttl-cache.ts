/**
 * Answers reused for a while, keyed by string. A lookup under way is shared too, so two commands arriving together
 * ask GitHub once. A failed lookup is forgotten at once: the next caller asks again.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { readonly at: number; readonly value: Promise<V> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const at = this.now();
    const hit = this.entries.get(key);
    if (hit && at - hit.at < this.ttlMs) return hit.value;
    if (this.entries.size >= 10_000) this.prune(at);
    const value = load();
    this.entries.set(key, { at, value });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  private prune(at: number): void {
    for (const [key, e] of this.entries) if (at - e.at >= this.ttlMs) this.entries.delete(key);
  }
}
