import type { Clock } from "./clock.js";
import type { PaceLimits } from "./pace-limits.js";

/** What kind of request asks to go: reads only take a concurrency slot; writes are also spaced out in time. */
export type RequestKind = "read" | "write" | "content";

/**
 * The limiter of one installation: spaces writes, caps content creation per window, caps concurrency, and holds
 * every request while the installation is paused after a rate limit. Each installation has its own pacer, so one
 * installation's backlog never delays another's.
 */
export class InstallationPacer {
  #nextWriteAt = 0;
  #pausedUntil = 0;
  // Start times of content-creating writes, ascending; kept only as long as the longest window needs them.
  #contentStarts: number[] = [];
  #active = 0;
  #waiting: (() => void)[] = [];

  constructor(
    private readonly limits: PaceLimits,
    private readonly clock: Clock,
  ) {}

  /** Holds every request of this installation until `until` (ms since the epoch), e.g. after a rate limit. */
  pauseUntil(until: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, until);
  }

  /** Waits for this request's turn; call the returned function once the response (or error) is in. */
  async acquire(kind: RequestKind): Promise<() => void> {
    for (;;) {
      await this.#waitUntil(kind === "read" ? this.#pausedUntil : this.#reserveWrite(kind === "content"));
      await this.#takeSlot();
      if (this.clock.now() >= this.#pausedUntil) return once(() => this.#releaseSlot());
      // Paused while waiting: queue again behind the pause; a write takes a new turn, so queued writes resume a
      // second apart instead of in a burst.
      this.#releaseSlot();
    }
  }

  // Reserving a start time up front keeps writes in FIFO order without a queue of timers.
  #reserveWrite(content: boolean): number {
    let at = Math.max(this.clock.now(), this.#nextWriteAt, this.#pausedUntil);
    if (content) {
      for (const { max, perMs } of this.limits.contentWindows) {
        const oldest = this.#contentStarts[this.#contentStarts.length - max];
        if (oldest !== undefined) at = Math.max(at, oldest + perMs);
      }
      this.#contentStarts.push(at);
      const keepMs = Math.max(0, ...this.limits.contentWindows.map((w) => w.perMs));
      while (this.#contentStarts.length > 0 && (this.#contentStarts[0] as number) <= at - keepMs)
        this.#contentStarts.shift();
    }
    this.#nextWriteAt = at + this.limits.writeIntervalMs;
    return at;
  }

  async #waitUntil(at: number): Promise<void> {
    for (let now = this.clock.now(); now < at; now = this.clock.now()) await this.clock.sleep(at - now);
  }

  #takeSlot(): Promise<void> {
    if (this.#active < this.limits.maxConcurrent) {
      this.#active++;
      return Promise.resolve();
    }
    // The releasing request hands its slot straight over, so the count never dips and lets a newcomer jump the queue.
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #releaseSlot(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#active--;
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}
