import { EMPTY_PACE_STATE, type PaceState } from "./pace-state.js";

/** What `PaceStore.update`'s callback returns: the new schedule to store and what to hand back to the caller. */
export interface PaceChange<T> {
  readonly state: PaceState;
  readonly result: T;
}

/**
 * Where installations' write schedules (`PaceState`) live. The pacer decides (with the pure `reserveWrite`); the
 * store only makes each read-modify-write atomic, among all processes that share it.
 *
 * - `memoryPaceStore()`: this process only; the default, and what SQLite (one process) uses.
 * - `PostgresPaceStore` (src/db/postgres-pace-store.ts): one row per installation, locked for each change, so
 *   every replica on one Postgres reserves its writes from one schedule.
 */
export interface PaceStore {
  /** The installation's schedule as stored now (`EMPTY_PACE_STATE` if it never wrote). */
  read(installationId: number): Promise<PaceState>;
  /**
   * Reads the installation's schedule, applies `change` and stores its `state`, atomically: concurrent updates of
   * one installation, from this process or any other sharing the store, run one after the other. `change` must be
   * pure apart from reading the clock; it runs once per call.
   */
  update<T>(installationId: number, change: (state: PaceState) => PaceChange<T>): Promise<T>;
}

/** A `PaceStore` in this process's memory; each change is applied synchronously, so it is atomic. */
export function memoryPaceStore(): PaceStore {
  const states = new Map<number, PaceState>();
  return {
    read: async (installationId) => states.get(installationId) ?? EMPTY_PACE_STATE,
    update: async (installationId, change) => {
      const { state, result } = change(states.get(installationId) ?? EMPTY_PACE_STATE);
      states.set(installationId, state);
      return result;
    },
  };
}
