import { type RunState, TERMINAL_RUN_STATES } from "../core/run/run-state.js";

/** A run's last known state and the ids of its running steps (whose leases heartbeats may have moved). */
export interface CachedRun {
  readonly state: RunState;
  readonly running: readonly string[];
}

/**
 * The last state this process stored or loaded per run, at most `capacity` runs (least recently used go first).
 * Only a hint: `updateRun` uses an entry only when its `version` equals the stored row's.
 */
export class RunCache {
  readonly #runs = new Map<string, CachedRun>();

  constructor(private readonly capacity: number) {}

  get(id: string): CachedRun | undefined {
    const entry = this.#runs.get(id);
    if (entry) {
      // Re-insert to mark it most recently used (a Map iterates in insertion order).
      this.#runs.delete(id);
      this.#runs.set(id, entry);
    }
    return entry;
  }

  /**
   * Remembers a run; finished runs are dropped instead, as they rarely change again. An older version never
   * replaces a newer one (a `loadRun` that read before a concurrent `updateRun` committed).
   */
  set(entry: CachedRun): void {
    const id = entry.state.id;
    const current = this.#runs.get(id);
    if (current && current.state.version > entry.state.version) return;
    this.#runs.delete(id);
    if (TERMINAL_RUN_STATES.has(entry.state.status) || this.capacity <= 0) return;
    this.#runs.set(id, entry);
    if (this.#runs.size > this.capacity) this.#runs.delete(this.#runs.keys().next().value!);
  }

  delete(id: string): void {
    this.#runs.delete(id);
  }

  clear(): void {
    this.#runs.clear();
  }
}
