/** Tokens set aside for a call in flight; `settle` charges what it really cost. */
export interface Reservation {
  settle(actualTokens: number): void;
}

/**
 * A run's token budget as shared by its steps running at once in this process. A call reserves its estimate
 * before it starts and settles to its real cost after, so parallel calls cannot jointly overspend: the check
 * and the reservation are one synchronous step.
 *
 * @example
 * const r = budget.reserve(2_500); if (!r) stop(); else { const reply = await call(); r.settle(reply.tokens); }
 */
export class RunBudget {
  readonly limit: number;
  #spent = 0;
  #reserved = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  /**
   * Takes in the run's recorded total: steps that finished elsewhere (another process, an earlier attempt)
   * count too. Tokens spent here are counted before they are recorded, so the larger figure is the true one.
   */
  sync(recordedTokens: number): void {
    this.#spent = Math.max(this.#spent, recordedTokens);
  }

  get spent(): number {
    return this.#spent;
  }

  get remaining(): number {
    return Math.max(0, this.limit - this.#spent - this.#reserved);
  }

  /** Sets `tokens` aside, or returns null when they are not left. */
  reserve(tokens: number): Reservation | null {
    if (tokens > this.remaining) return null;
    this.#reserved += tokens;
    let settled = false;
    return {
      settle: (actual) => {
        if (settled) return;
        settled = true;
        this.#reserved -= tokens;
        this.#spent += actual;
      },
    };
  }
}
