import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { stepPlan } from "../core/run/plan-index.js";
import type { RunCommand, RunEvent, Transition } from "../core/run/run-event.js";
import { type RunState, TERMINAL_RUN_STATES } from "../core/run/run-state.js";
import {
  DEFAULT_TRANSITION_OPTIONS,
  nextWake,
  type TransitionOptions,
  transition,
} from "../core/run/transition.js";
import { errorMessage } from "./error-message.js";
import { withLogContext } from "./log-context.js";
import { type Logger, silentLogger } from "./logger.js";
import type { RunStore, StepExecutor, StepResult } from "./ports.js";

export interface EngineOptions {
  readonly store: RunStore;
  /** Picks the executor of a step; the CLI's dry-runs gates, merge and deploy, the app's acts on GitHub. */
  readonly executorFor: (run: RunState, stepId: string) => StepExecutor;
  /** Unique per process; defaults to host:pid:random. */
  readonly workerId?: string;
  /** How long a claim lasts without a heartbeat (default 30 s). */
  readonly leaseMs?: number;
  /** How often to look for due work left by other processes or a crash (default 1 s). */
  readonly pollMs?: number;
  readonly transitionOptions?: TransitionOptions;
  readonly now?: () => number;
  readonly log?: Logger;
  /** Called after every stored change with the new state and the commands it produced (reporting hooks in here). */
  readonly onChange?: (run: RunState, commands: readonly RunCommand[]) => void | Promise<void>;
  /** Called once per stored change that finished a step (succeeded or failed for good), e.g. for metrics. */
  readonly onStepFinished?: (run: RunState, stepId: string) => void;
  /** Called when this engine took back a running step whose lease had expired (its worker died or stalled). */
  readonly onLeaseExpired?: (run: RunState, stepId: string) => void;
}

const FINISHED: ReadonlySet<string> = new Set(["succeeded", "failed"]);

interface Execution {
  readonly runId: string;
  readonly stepId: string;
  readonly controller: AbortController;
  readonly heartbeat: NodeJS.Timeout;
}

/**
 * Runs workflows durably:
 * 1. every change goes through `store.updateRun` + the pure `transition`;
 * 2. runnable steps are claimed under an expiring lease and executed concurrently;
 * 3. executors heartbeat their lease; a step whose worker died is claimed again once its lease expires;
 * 4. a poll picks up due work (backoffs, timeouts, expired leases) after a restart or from other processes.
 */
export class Engine {
  readonly workerId: string;
  private readonly store: RunStore;
  private readonly opts: Required<Pick<EngineOptions, "leaseMs" | "pollMs" | "now" | "log">> & {
    transition: TransitionOptions;
  };
  private readonly executions = new Map<string, Execution>();
  private readonly chains = new Map<string, Promise<unknown>>();
  /** Events waiting for a run's next update, and that update's result. */
  private readonly batches = new Map<string, RunEvent[]>();
  private readonly batchResults = new WeakMap<RunEvent[], Promise<RunState>>();
  private readonly wakeTimers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly watchers = new Map<string, Set<(run: RunState) => void>>();
  private readonly inflight = new Set<Promise<unknown>>();
  private poller: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly options: EngineOptions) {
    this.store = options.store;
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.opts = {
      leaseMs: options.leaseMs ?? 30_000,
      pollMs: options.pollMs ?? 1000,
      now: options.now ?? Date.now,
      log: options.log ?? silentLogger,
      transition: options.transitionOptions ?? DEFAULT_TRANSITION_OPTIONS,
    };
  }

  /** Starts polling for due work; resumes whatever a previous process left unfinished. */
  start(): void {
    this.stopped = false;
    const poll = () => {
      this.track(this.pollDue())
        .catch((err) => this.opts.log.error({ err }, "looking for due runs failed; trying again"))
        .finally(() => {
          if (!this.stopped) this.poller = setTimeout(poll, this.opts.pollMs);
        });
    };
    poll();
  }

  /**
   * Stops claiming new work and aborts running executors. Their leases are released (set to expire now), so
   * another process — or this one after a restart — takes the steps over at once instead of after `leaseMs`.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poller) clearTimeout(this.poller);
    for (const { timer } of this.wakeTimers.values()) clearTimeout(timer);
    this.wakeTimers.clear();
    const released: Promise<unknown>[] = [];
    for (const [key, exec] of this.executions) {
      clearInterval(exec.heartbeat);
      exec.controller.abort(new Error("engine stopping"));
      this.executions.delete(key);
      released.push(
        this.store
          .heartbeat(exec.runId, exec.stepId, this.workerId, this.opts.now())
          .catch((err) =>
            this.opts.log.warn({ err, runId: exec.runId, stepId: exec.stepId }, "releasing a lease failed"),
          ),
      );
    }
    await Promise.allSettled([...released, ...this.inflight]);
  }

  /** True while nothing is in flight: no update being stored, no executor running, no poll under way. */
  get busy(): boolean {
    return this.inflight.size > 0;
  }

  /** Resolves once nothing is in flight (tests and graceful shutdown wait on it). Timers left pending don't count. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** Stores a new run and starts it. */
  async createRun(run: RunState): Promise<RunState> {
    await this.store.createRun(run);
    return this.submit(run.id, { type: "start", at: this.opts.now() });
  }

  /** Applies an outside event (a gate approved, a cancel, a retry) and moves the run on. */
  submit(runId: string, event: RunEvent): Promise<RunState> {
    return this.advance(runId, [event]);
  }

  /** Resolves once the run is finished, or — with `untilWaiting` — also once only outside events can move it. */
  settled(runId: string, untilWaiting = false): Promise<RunState> {
    return new Promise((resolve, reject) => {
      const check = (run: RunState) => {
        if (TERMINAL_RUN_STATES.has(run.status) || (untilWaiting && run.status === "waiting")) {
          this.watchers.get(runId)?.delete(check);
          resolve(run);
        }
      };
      const set = this.watchers.get(runId) ?? new Set();
      this.watchers.set(runId, set);
      set.add(check);
      this.store.loadRun(runId).then((run) => run && check(run), reject);
    });
  }

  /** Finds runs with due work (a restart, another process's crash, a backoff or timeout) and advances them. */
  async pollDue(): Promise<void> {
    const ids = await this.store.findDueRuns(this.opts.now(), 100);
    await Promise.all(ids.map((id) => this.advance(id, [])));
  }

  /**
   * One atomic step of a run: apply `events`, then fire due timeouts, take back expired leases and claim what
   * may start. Calls for one run are chained so they never contend with each other in this process, and events
   * that arrive while one is being stored wait together for the next: one transaction for the whole batch.
   */
  private advance(runId: string, events: readonly RunEvent[]): Promise<RunState> {
    const open = this.batches.get(runId);
    if (open) {
      open.push(...events);
      return this.batchResults.get(open) as Promise<RunState>;
    }
    const batch = [...events];
    this.batches.set(runId, batch);
    const previous = this.chains.get(runId) ?? Promise.resolve();
    const next = previous.then(async () => {
      // Let every result that lands in this turn of the event loop join the batch: without this, each result's
      // transaction runs (as microtasks) before the next due timer fires, and parallel steps delay each other.
      await new Promise((resolve) => setImmediate(resolve));
      this.batches.delete(runId);
      if (this.stopped && batch.length === 0) return (await this.store.loadRun(runId)) as RunState;
      const at = this.opts.now();
      let before: RunState | undefined;
      let expired: string[] = [];
      const { state, commands } = await this.store.updateRun(runId, (run) => {
        // The store may call this again after a conflict: keep only the last attempt's view.
        before = run;
        expired = this.expiredLeases(run, at);
        return this.step(run, batch, at, expired);
      });
      this.notifyHooks(before, state, expired);
      await this.handle(state, commands);
      return state;
    });
    this.batchResults.set(batch, next);
    const tail = next.catch(() => undefined);
    this.chains.set(runId, tail);
    tail.then(() => {
      if (this.chains.get(runId) === tail) this.chains.delete(runId);
    });
    return this.track(next);
  }

  /** The batch's events, then housekeeping: due timeouts, expired leases, and claims for what may start. */
  private step(
    run: RunState,
    events: readonly RunEvent[],
    at: number,
    expired: readonly string[],
  ): Transition {
    const all: RunEvent[] = [...events, { type: "tick", at }];
    for (const stepId of expired) all.push({ type: "lease-expired", at, stepId });
    if (!this.stopped) all.push({ type: "claim", at, worker: this.workerId, leaseMs: this.opts.leaseMs });
    return transition(run, all, this.opts.transition);
  }

  private expiredLeases(run: RunState, at: number): string[] {
    const ids: string[] = [];
    for (const s of run.steps.values()) {
      if (s.status === "running" && s.leaseExpiresAt !== null && s.leaseExpiresAt <= at) ids.push(s.id);
    }
    return ids;
  }

  /** Steps this change finished, and leases it took back; hooks never fail the run. */
  private notifyHooks(before: RunState | undefined, after: RunState, expired: readonly string[]): void {
    const { onStepFinished, onLeaseExpired } = this.options;
    try {
      if (onStepFinished) {
        for (const s of after.steps.values()) {
          if (FINISHED.has(s.status) && before?.steps.get(s.id)?.status !== s.status)
            onStepFinished(after, s.id);
        }
      }
      if (onLeaseExpired) for (const stepId of expired) onLeaseExpired(after, stepId);
    } catch (err) {
      this.opts.log.error({ err, runId: after.id }, "a step hook failed");
    }
  }

  private async handle(run: RunState, commands: readonly RunCommand[]): Promise<void> {
    for (const c of commands) {
      if (c.type === "execute") this.execute(run, c.stepId, c.attempt);
      else if (c.type === "abort") this.abort(run.id, c.stepId, c.reason);
    }
    this.scheduleWake(run);
    for (const watch of this.watchers.get(run.id) ?? []) watch(run);
    if (this.options.onChange) {
      try {
        await withLogContext({ runId: run.id }, () => this.options.onChange?.(run, commands));
      } catch (err) {
        this.opts.log.error({ err, runId: run.id }, "reporting a run change failed");
      }
    }
  }

  private execute(run: RunState, stepId: string, attempt: number): void {
    const key = `${run.id}/${stepId}`;
    const controller = new AbortController();
    const heartbeat = setInterval(() => {
      const until = this.opts.now() + this.opts.leaseMs;
      this.store.heartbeat(run.id, stepId, this.workerId, until).then(
        (held) => {
          if (!held) controller.abort(new Error("lease lost"));
        },
        (err) => this.opts.log.warn({ err, runId: run.id, stepId }, "heartbeat failed"),
      );
    }, this.opts.leaseMs / 3);
    this.executions.get(key)?.controller.abort(new Error("superseded by a new attempt"));
    this.executions.set(key, { runId: run.id, stepId, controller, heartbeat });

    const work = (async (): Promise<RunEvent> => {
      const at = () => this.opts.now();
      const base = { stepId, worker: this.workerId, attempt } as const;
      let result: StepResult;
      try {
        const executor = this.options.executorFor(run, stepId);
        result = await withLogContext({ runId: run.id, stepId }, () =>
          executor({ run, step: stepPlan(run.plan, stepId), attempt, signal: controller.signal }),
        );
      } catch (err) {
        result = { outcome: "failed", error: errorMessage(err), retryable: true };
      }
      switch (result.outcome) {
        case "succeeded":
          return {
            type: "step-succeeded",
            at: at(),
            ...base,
            output: result.output,
            tokens: result.tokens ?? 0,
          };
        case "failed":
          return {
            type: "step-failed",
            at: at(),
            ...base,
            error: result.error,
            retryable: result.retryable,
            tokens: result.tokens ?? 0,
            ...(result.output ? { output: result.output } : {}),
          };
        case "refused":
          return { type: "merge-refused", at: at(), ...base, error: result.error };
        case "waiting":
          return {
            type: "step-waiting",
            at: at(),
            ...base,
            waitingFor: result.waitingFor,
            ...(result.output ? { output: result.output } : {}),
          };
      }
    })();

    this.track(
      work
        .then((event) => {
          const current = this.executions.get(key);
          if (current?.controller === controller) {
            clearInterval(heartbeat);
            this.executions.delete(key);
          }
          // A stopped engine leaves the step to its lease: a restart claims it again.
          if (this.stopped || controller.signal.aborted) return;
          return this.advance(run.id, [event]);
        })
        .catch((err) =>
          this.opts.log.error({ err, runId: run.id, stepId }, "recording a step result failed"),
        ),
    );
  }

  private abort(runId: string, stepId: string, reason: string): void {
    const key = `${runId}/${stepId}`;
    const exec = this.executions.get(key);
    if (!exec) return;
    clearInterval(exec.heartbeat);
    exec.controller.abort(new Error(reason));
    this.executions.delete(key);
  }

  /** Keeps one timer per run at its next due moment (a backoff ending, a timeout, a lease to check). */
  private scheduleWake(run: RunState): void {
    const existing = this.wakeTimers.get(run.id);
    const due = this.stopped ? null : nextWake(run, this.opts.now());
    if (existing && (due === null || existing.at !== due)) {
      clearTimeout(existing.timer);
      this.wakeTimers.delete(run.id);
    }
    if (due === null || this.wakeTimers.has(run.id)) return;
    const timer = setTimeout(
      () => {
        this.wakeTimers.delete(run.id);
        this.advance(run.id, []).catch((err) =>
          this.opts.log.error({ err, runId: run.id }, "advancing a run failed"),
        );
      },
      Math.max(0, due - this.opts.now()),
    );
    timer.unref?.();
    this.wakeTimers.set(run.id, { at: due, timer });
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    p.finally(() => this.inflight.delete(p)).catch(() => undefined);
    return p;
  }
}
