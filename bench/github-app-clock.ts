import type { Clock } from "../src/github/clock.js";

/** A pacing clock that runs in real time until `fastForward()`, then lets every wait pass at once. */
export interface BenchClock extends Clock {
  /**
   * From now on each sleep advances the clock by its length instead of waiting (sleeps under way end at once),
   * so the pacer's queue of spaced writes drains in milliseconds after the measured window.
   */
  fastForward(): void;
}

export function benchClock(): BenchClock {
  let offset = 0;
  let forward = false;
  const sleeping = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  return {
    now: () => Date.now() + offset,
    sleep(ms) {
      if (ms <= 0) return Promise.resolve();
      if (forward) {
        offset += ms;
        return new Promise((resolve) => setImmediate(resolve));
      }
      return new Promise((resolve) => {
        const entry = {
          timer: setTimeout(() => {
            sleeping.delete(entry);
            resolve();
          }, ms),
          wake: () => resolve(),
        };
        sleeping.add(entry);
      });
    },
    fastForward() {
      forward = true;
      for (const s of sleeping) {
        clearTimeout(s.timer);
        s.wake();
      }
      sleeping.clear();
    },
  };
}
