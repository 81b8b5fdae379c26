import type { AgentCache, CachedReview, CacheEntry } from "./ports.js";

/**
 * An `AgentCache` in memory, for tests and for runs that need no database. Holds at most `capacity` files,
 * forgetting the oldest first.
 */
export class MemoryAgentCache implements AgentCache {
  readonly #entries = new Map<string, CachedReview>();
  readonly #capacity: number;

  constructor(capacity = 10_000) {
    this.#capacity = capacity;
  }

  async getMany(keys: readonly string[]): Promise<ReadonlyMap<string, CachedReview>> {
    const out = new Map<string, CachedReview>();
    for (const key of keys) {
      const hit = this.#entries.get(key);
      if (hit) out.set(key, hit);
    }
    return out;
  }

  async putMany(entries: readonly CacheEntry[]): Promise<void> {
    for (const { key, review } of entries) {
      if (this.#entries.has(key)) continue;
      this.#entries.set(key, review);
      if (this.#entries.size > this.#capacity)
        this.#entries.delete(this.#entries.keys().next().value as string);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
