import { setTimeout as delay } from "node:timers/promises";

/** Time as the GitHub layer sees it; injected so tests can run minutes of back-off in milliseconds. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => (ms > 0 ? delay(ms) : Promise.resolve()),
};
