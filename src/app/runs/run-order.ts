import type { AppServices } from "../services.js";

const perApp = new WeakMap<AppServices, Map<string, Promise<unknown>>>();

/**
 * Runs `work` after any earlier work of the same run has finished: in this process by a chain, across replicas by
 * the run's `run-order:` lock. What must happen once per run goes through it: two evaluations of one gate (a
 * review and a command at once) never both open it and audit it twice, a deployment status is applied once, a
 * failed deploy is rolled back once.
 */
export function inRunOrder<T>(s: AppServices, runId: string, work: () => Promise<T>): Promise<T> {
  let chains = perApp.get(s);
  if (!chains) {
    chains = new Map();
    perApp.set(s, chains);
  }
  const previous = chains.get(runId) ?? Promise.resolve();
  const locked = () => s.locks.withLock(`run-order:${runId}`, work);
  const next = previous.then(locked, locked);
  const tail = next.catch(() => undefined);
  chains.set(runId, tail);
  void tail.then(() => {
    if (chains.get(runId) === tail) chains.delete(runId);
  });
  return next;
}
