/**
 * Tracks the app's background work (jobs, check-run flushes, gate evaluations) so shutdown and tests can wait
 * until everything started has finished. Errors are logged by whoever started the work, never thrown here.
 */
export class Background {
  private readonly running = new Set<Promise<unknown>>();

  /** Runs `work` in the background; returns its promise (already tracked). */
  track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    work.finally(() => this.running.delete(work)).catch(() => undefined);
    return work;
  }

  /** Marks work that will start later (a coalescing timer): `idle` waits until the returned release is called. */
  hold(): () => void {
    let release: () => void = () => {};
    this.track(new Promise<void>((resolve) => (release = resolve)));
    return release;
  }

  get size(): number {
    return this.running.size;
  }

  /**
   * Resolves once no tracked work is left and every extra `busy` check (the engine) says idle, checked again
   * after a macrotask so work that schedules more work is waited for too.
   */
  async idle(others: readonly { busy: boolean; idle(): Promise<void> }[] = []): Promise<void> {
    for (;;) {
      while (this.running.size > 0) await Promise.allSettled([...this.running]);
      for (const o of others) await o.idle();
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (this.running.size === 0 && others.every((o) => !o.busy)) return;
    }
  }
}
