import type { Clock } from "../../src/github/clock.js";

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const realPause = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

/**
 * Virtual time for the GitHub layer: `sleep` only ends when `run` advances the clock, and `run` advances it only
 * while no request is on the wire, so a reply that nock has not delivered yet is never overtaken by a timer.
 */
export class VirtualClock implements Clock {
  #now: number;
  #timers: { at: number; resolve: () => void }[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => this.#timers.push({ at: this.#now + ms, resolve }));
  }

  /** Drives virtual time until `work` settles; `busy` says whether a request is still on the wire. */
  async run<T>(work: Promise<T>, busy: () => boolean): Promise<T> {
    let settled = false;
    work.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (let i = 0; i < 20_000; i++) {
      await turn();
      await turn();
      if (settled) return work;
      if (busy() || this.#timers.length === 0) {
        await realPause();
        continue;
      }
      this.#now = Math.min(...this.#timers.map((t) => t.at));
      const due = this.#timers.filter((t) => t.at <= this.#now);
      this.#timers = this.#timers.filter((t) => t.at > this.#now);
      for (const t of due) t.resolve();
    }
    throw new Error("virtual clock: work did not settle");
  }
}
