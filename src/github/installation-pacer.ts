import type { PaceLimits } from "../core/pacing/pace-limits.js";
import { type PaceState, pauseState, reserveWrite, type WriteKind } from "../core/pacing/pace-state.js";
import { memoryPaceStore, type PaceChange, type PaceStore } from "../core/pacing/pace-store.js";
import type { Clock } from "./clock.js";

/** What kind of request asks to go: reads only take a concurrency slot; writes are also spaced out in time. */
export type RequestKind = "read" | WriteKind;

interface QueuedWrite {
  kind: WriteKind;
  resolve: (startAt: number) => void;
  reject: (error: unknown) => void;
}

/**
 * The limiter of one installation: spaces writes, caps content creation per window, caps concurrency, and holds
 * every request while the installation is paused after a rate limit. Each installation has its own pacer, so one
 * installation's backlog never delays another's.
 *
 * The write schedule (next write time, recent content starts, pause) lives in a `PaceStore`: this process's memory
 * by default, or a database row shared by every replica (`PostgresPaceStore`), so that several app processes
 * together still start one installation's writes a second apart and stay under the content caps. Writes waiting
 * for a start time are reserved together, in arrival order, in one store update (one short transaction), so a
 * burst costs one round of locking, not one per write, and holds at most one database connection per
 * installation. The start times come from this process's clock: replicas are assumed to keep their clocks in
 * sync (NTP); a skew of `d` ms can bring two writes of different replicas `d` ms closer than the interval.
 *
 * The cap on requests in flight (`maxConcurrent`) stays per process. Sharing it would cost a counter in the
 * database that every request, reads included, bumps twice, with leases so that a crashed replica's requests do
 * not hold slots forever. It is not needed: writes, which GitHub's secondary limits are about, are already spaced
 * a second apart across all replicas, so only a handful are ever in flight; a run's reads are few and mostly
 * sequential, so 100 at once takes dozens of runs of one installation reading at the same moment; and should the
 * replicas together ever exceed GitHub's limit, its rate-limit answer pauses the installation on every replica
 * (the pause is shared) and the requests are retried.
 */
export class InstallationPacer {
  #active = 0;
  #waiting: (() => void)[] = [];
  #queued: QueuedWrite[] = [];
  #flushing = false;
  // The latest pause seen in the store or set here; pauses only grow, so the largest seen is the one in force.
  #knownPause = 0;
  #pauseRead: Promise<number> | undefined;

  constructor(
    private readonly limits: PaceLimits,
    private readonly clock: Clock,
    private readonly store: PaceStore = memoryPaceStore(),
    private readonly installationId = 0,
  ) {}

  /**
   * Holds every request of this installation until `until` (ms since the epoch), e.g. after a rate limit: at once
   * in this process, and in every process sharing the store once the returned promise resolves.
   */
  async pauseUntil(until: number): Promise<void> {
    this.#knownPause = Math.max(this.#knownPause, until);
    await this.store.update(this.installationId, (state) => ({
      state: pauseState(state, until),
      result: undefined,
    }));
  }

  /** Waits for this request's turn; call the returned function once the response (or error) is in. */
  async acquire(kind: RequestKind): Promise<() => void> {
    for (;;) {
      const at = kind === "read" ? await this.#readPause() : await this.#reserve(kind);
      const slept = await this.#waitUntil(at);
      const queued = await this.#takeSlot();
      // A pause may have been set meanwhile, here or by another replica; the store is asked again only if time
      // passed since it last answered (with the memory store the answer is the same either way). Should that read
      // fail, the pause last seen stands: the slot is held here and must not leak, and the write's own reservation
      // already went through the store.
      const pause =
        slept || queued ? await this.#readPause().catch(() => this.#knownPause) : this.#knownPause;
      if (this.clock.now() >= pause) return once(() => this.#releaseSlot());
      // Paused while waiting: queue again behind the pause; a write takes a new turn, so queued writes resume a
      // second apart instead of in a burst.
      this.#releaseSlot();
    }
  }

  /** The pause in force, read from the store; concurrent reads share one query. */
  #readPause(): Promise<number> {
    this.#pauseRead ??= this.store.read(this.installationId).then(
      (state) => {
        this.#pauseRead = undefined;
        this.#knownPause = Math.max(this.#knownPause, state.pausedUntil);
        return this.#knownPause;
      },
      (error: unknown) => {
        this.#pauseRead = undefined;
        throw error;
      },
    );
    return this.#pauseRead;
  }

  // Reserving a start time up front keeps writes in FIFO order without a queue of timers.
  #reserve(kind: WriteKind): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#queued.push({ kind, resolve, reject });
      if (!this.#flushing) void this.#flush();
    });
  }

  /** Reserves every queued write, in order, one store update per batch, until none is left. */
  async #flush(): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#queued.length > 0) {
        const batch = this.#queued.splice(0);
        try {
          const { startAts, pausedUntil } = await this.store.update(this.installationId, (state) =>
            this.#place(state, batch),
          );
          this.#knownPause = Math.max(this.#knownPause, pausedUntil);
          for (const [i, write] of batch.entries()) write.resolve(startAts[i] as number);
        } catch (error) {
          for (const write of batch) write.reject(error);
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  #place(
    state: PaceState,
    batch: readonly QueuedWrite[],
  ): PaceChange<{ startAts: number[]; pausedUntil: number }> {
    // Read inside the update: with a shared store that is after the row lock was granted.
    const now = this.clock.now();
    const startAts: number[] = [];
    let next = state;
    for (const write of batch) {
      const reservation = reserveWrite(next, now, this.limits, write.kind);
      startAts.push(reservation.startAt);
      next = reservation.state;
    }
    return { state: next, result: { startAts, pausedUntil: next.pausedUntil } };
  }

  /** Sleeps until `at`; says whether it had to. */
  async #waitUntil(at: number): Promise<boolean> {
    let slept = false;
    for (let now = this.clock.now(); now < at; now = this.clock.now()) {
      await this.clock.sleep(at - now);
      slept = true;
    }
    return slept;
  }

  /** Takes a concurrency slot; resolves to whether it had to queue for one. */
  #takeSlot(): Promise<boolean> {
    if (this.#active < this.limits.maxConcurrent) {
      this.#active++;
      return Promise.resolve(false);
    }
    // The releasing request hands its slot straight over, so the count never dips and lets a newcomer jump the queue.
    return new Promise((resolve) => this.#waiting.push(() => resolve(true)));
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
