import pLimit, { type LimitFunction } from "p-limit";
import type { RunState } from "../core/run/run-state.js";
import { RunBudget } from "./run-budget.js";

/** What the steps of one run share while they run: its token budget and its `max_parallel` model calls. */
export interface RunShare {
  readonly budget: RunBudget;
  /** Runs a model call once fewer than `max_parallel` of the run's calls are in flight. */
  readonly limit: LimitFunction;
  /**
   * Reads the steps of a run starting together share (what humans judged): `key`'s answer is reused for
   * `MEMO_MS`, so a later phase or a retry reads it fresh.
   */
  shared<T>(key: string, now: number, read: () => Promise<T>): Promise<T>;
}

/** How long a shared read is reused: steps that start together, not a later retry. */
const MEMO_MS = 5_000;

function newShare(run: RunState, budgetTokens = run.plan.budgetTokens): RunShare {
  const memo = new Map<string, { at: number; value: Promise<unknown> }>();
  return {
    budget: new RunBudget(budgetTokens),
    limit: pLimit(run.plan.maxParallel),
    shared<T>(key: string, now: number, read: () => Promise<T>): Promise<T> {
      const hit = memo.get(key);
      if (hit && now - hit.at < MEMO_MS) return hit.value as Promise<T>;
      const value = read();
      memo.set(key, { at: now, value });
      // A failed read is not remembered.
      value.catch(() => memo.get(key)?.value === value && memo.delete(key));
      return value;
    },
  };
}

/** Runs remembered; older ones are forgotten (their steps finished long ago, or another process took over). */
const CAPACITY = 256;

/**
 * Per-run shares, created on a run's first agent step in this process. Review, security and tests steps run at
 * the same time; sharing one limiter keeps all their chunk calls within `max_parallel`, and one budget stops
 * them overspending together.
 */
export class RunResources {
  readonly #runs = new Map<string, RunShare>();
  readonly #shadows = new Map<string, RunShare>();

  /** The share of `run`, its budget brought up to the run's recorded token use. */
  for(run: RunState): RunShare {
    let share = this.#runs.get(run.id);
    if (share) {
      this.#runs.delete(run.id); // re-inserted below: most recently used last
    } else {
      share = newShare(run);
    }
    this.#runs.set(run.id, share);
    if (this.#runs.size > CAPACITY) this.#runs.delete(this.#runs.keys().next().value as string);
    share.budget.sync(run.tokens);
    return share;
  }

  /**
   * The share of `run`'s shadow models (spec "Shadow models"): their own budget, `settings.shadow_budget_tokens`
   * (default a quarter of the run's), and their own `max_parallel` limiter, so a shadow never takes the primary's
   * tokens or waits behind its calls. Shadow tokens are not recorded in the run's total: this budget counts what
   * this process spent.
   */
  shadowFor(run: RunState): RunShare {
    let share = this.#shadows.get(run.id);
    if (share) {
      this.#shadows.delete(run.id);
    } else {
      share = newShare(run, run.plan.shadowBudgetTokens ?? Math.floor(run.plan.budgetTokens / 4));
    }
    this.#shadows.set(run.id, share);
    if (this.#shadows.size > CAPACITY) this.#shadows.delete(this.#shadows.keys().next().value as string);
    return share;
  }
}
