import { OVERALL_CHECK_NAME, overallCheckRun } from "../../core/present/present.js";
import type { RunCommand } from "../../core/run/run-event.js";
import { type RunState, type RunStatus, TERMINAL_RUN_STATES } from "../../core/run/run-state.js";
import type { AppServices } from "../services.js";
import { syncCheckRuns } from "./check-runs.js";
import { syncReviews } from "./pr-review.js";
import type { ReportContext } from "./report-context.js";
import { syncStatusComment } from "./status-comment.js";
import { syncStepComments } from "./step-comments.js";

/** One run's reporting: passes run one after another, so two changes never race to create the same thing. */
interface Lane {
  latest: RunState;
  chain: Promise<void>;
  /** A pass is queued and has not started: it will read `latest`, so further changes need no pass of their own. */
  queued: boolean;
  /** When each check run / the status comment was last written (monotonic ms). */
  readonly lastWrite: Map<string, number>;
  /** When each check run not yet created was first wanted (monotonic ms). */
  readonly firstWanted: Map<string, number>;
  /** Updates held back by the interval, each with its background hold. */
  readonly timers: Map<string, { timer: NodeJS.Timeout; release: () => void }>;
  /** Passes that failed in a row; a failed pass is tried again after a back-off even if the run never changes. */
  failures: number;
  retry: NodeJS.Timeout | null;
}

/** The ledger key of the overall `agents` check run. */
const OVERALL_KEY = `check:${OVERALL_CHECK_NAME}`;

/** The first retry of a failed pass waits this long, doubling up to `MAX_RETRY_MS`. */
const MAX_RETRY_MS = 10 * 60_000;

/**
 * Shows runs on GitHub: check runs per phase and `agents`, PR reviews, `post: comment` outputs, and the status
 * comment of issue runs. `onChange` is called after every stored change and must return at once: the work
 * happens in `s.background`. Each pass, what people wait for first (writes are paced and go out in order):
 * 1. one PR review per phase whose review steps all finished;
 * 2. the output of `agent` steps with `with.post: comment`;
 * 3. check runs (pull requests only): created once, PATCHed when what they show changed, coalesced; one still
 *    in progress is created two intervals after it was first wanted, so a fast review goes out before it;
 * 4. the status comment (issues only).
 * Errors are logged with the run id and never stop the run; the next change tries again.
 */
export class Reporter {
  private readonly lanes = new Map<string, Lane>();
  /** Each open run's `agents` verdict as last seen, to tell runs on the same commit when it changes. */
  private readonly verdicts = new Map<string, string>();
  private stopped = false;

  constructor(private readonly s: AppServices) {}

  onChange(run: RunState, _commands: readonly RunCommand[]): void {
    const lane = this.laneFor(run);
    if (!lane) return;
    this.schedule(lane);
    // Other runs on the same commit fold this run's verdict into their `agents` check: tell them it changed.
    const v = overallCheckRun(run);
    const verdict = `${v.status}/${v.conclusion ?? ""}`;
    if (run.facts.source === "pull_request" && this.verdicts.get(run.id) !== verdict) {
      if (TERMINAL_RUN_STATES.has(run.status)) this.verdicts.delete(run.id);
      else this.verdicts.set(run.id, verdict);
      this.s.background
        .track(this.touchSiblings(run))
        .catch((err) => this.s.log.error({ err, runId: run.id }, "reporting runs on the same commit failed"));
    }
  }

  private async touchSiblings(run: RunState): Promise<void> {
    for (const id of await this.s.github.runIdsForSha(run.facts.repo, run.facts.headSha)) {
      if (id === run.id) continue;
      const other = await this.s.store.loadRun(id);
      const lane = other && other.status !== "cancelled" ? this.laneFor(other) : null;
      if (lane) this.schedule(lane);
    }
  }

  /**
   * Reports the run's `agents` check at once, past the interval, and resolves when GitHub shows it; throws if it
   * could not. The merge step calls it first: where `agents` is a required check, GitHub refuses a merge (405)
   * until `agents` reads `success`, and that update may still be held back by the interval. Other check runs wait
   * for the pass after the merge (writes are paced: each would hold the merge back a second).
   */
  async reportNow(run: RunState): Promise<void> {
    const lane = this.laneFor(run);
    if (!lane) return;
    const pass = lane.chain.then(() => this.pass(lane, true));
    lane.chain = this.s.background.track(
      pass.then(
        () => undefined,
        () => undefined,
      ),
    );
    if (!(await pass))
      throw new Error("GitHub did not take the `agents` check's update; the merge waits for it");
  }

  private laneFor(run: RunState): Lane | null {
    const { source, github } = run.facts;
    if (!github || (source !== "pull_request" && source !== "issue") || run.facts.number === null)
      return null;
    let lane = this.lanes.get(run.id);
    if (!lane) {
      lane = {
        latest: run,
        chain: Promise.resolve(),
        queued: false,
        lastWrite: new Map(),
        firstWanted: new Map(),
        timers: new Map(),
        failures: 0,
        retry: null,
      };
      this.lanes.set(run.id, lane);
    } else if (run.version >= lane.latest.version) {
      lane.latest = run;
    }
    return lane;
  }

  /**
   * Reports every unfinished run, and every run finished in the last `recentMs`, once: after a restart, an
   * update that was held back by the interval or cut short by the crash (a `pending` ledger entry) is sent
   * even when the run itself never changes again (a gate waiting for days). Sends only what GitHub does not
   * show yet. Resolves once the runs are queued (their passes run in the background).
   */
  async resume(recentMs = 10 * 60_000): Promise<number> {
    const open: RunStatus[] = ["queued", "running", "waiting"];
    const closed: RunStatus[] = ["succeeded", "failed", "cancelled"];
    const since = this.s.now() - recentMs;
    const ids: string[] = [];
    for (const status of [...open, ...closed]) {
      const runs = await this.s.store.listRuns({ status, limit: 1000 });
      for (const r of runs) {
        if (open.includes(status) || (r.finishedAt ?? 0) >= since) ids.push(r.id);
      }
    }
    let resumed = 0;
    for (const id of ids) {
      const run = await this.s.store.loadRun(id);
      if (!run?.facts.github) continue;
      this.onChange(run, []);
      resumed++;
    }
    return resumed;
  }

  private schedule(lane: Lane): void {
    if (lane.queued) return;
    lane.queued = true;
    lane.chain = this.s.background.track(
      lane.chain.then(async () => {
        lane.queued = false;
        const ok = await this.pass(lane);
        lane.failures = ok ? 0 : lane.failures + 1;
        if (!ok) this.retryLater(lane);
        const run = lane.latest;
        if (TERMINAL_RUN_STATES.has(run.status) && ok && !lane.queued && lane.timers.size === 0) {
          if (this.lanes.get(run.id) === lane) this.lanes.delete(run.id);
        }
      }),
    );
  }

  /**
   * A failed pass (GitHub down, a rate limit that did not clear) is tried again after a back-off — 30 s by
   * default, doubling to 10 minutes — so a finished run whose last update failed still reaches GitHub. The
   * timer is not held: waiting for GitHub to recover must not keep the app (or a test) busy.
   */
  private retryLater(lane: Lane): void {
    if (lane.retry || this.stopped) return;
    const wait = Math.min(MAX_RETRY_MS, this.s.tuning.reportRetryMs * 2 ** (lane.failures - 1));
    lane.retry = setTimeout(() => {
      lane.retry = null;
      if (!this.stopped) this.schedule(lane);
    }, wait);
    lane.retry.unref?.();
  }

  /** Stops retry and interval timers (shutdown); passes under way finish. */
  stop(): void {
    this.stopped = true;
    for (const lane of this.lanes.values()) {
      if (lane.retry) clearTimeout(lane.retry);
      lane.retry = null;
      for (const { timer, release } of lane.timers.values()) {
        clearTimeout(timer);
        release();
      }
      lane.timers.clear();
    }
  }

  /**
   * True when every part of the pass reached GitHub (or had nothing to do). Replicas on one Postgres report the
   * same run: a pass holds the run's lock across processes and starts from the newest stored state, so a check run
   * or review is created once and never overwritten with an older view.
   */
  private async pass(lane: Lane, now = false): Promise<boolean> {
    const runId = lane.latest.id;
    try {
      return await this.s.locks.withLock(`report:${runId}`, async () => {
        if (this.s.locks.shared) {
          const stored = await this.s.store.loadRun(runId);
          if (stored && stored.version > lane.latest.version) lane.latest = stored;
        }
        return this.passLocked(lane, now);
      });
    } catch (err) {
      this.s.log.error({ err, runId }, "reporting a run on GitHub failed: no lock; trying again later");
      return false;
    }
  }

  private async passLocked(lane: Lane, now: boolean): Promise<boolean> {
    const run = lane.latest;
    const github = run.facts.github;
    if (!github) return true;
    let c: ReportContext;
    try {
      c = {
        s: this.s,
        run,
        octokit: await this.s.octokitFor(run),
        owner: github.owner,
        repo: github.name,
        dashboardUrl: this.s.dashboardUrl(run.id),
        // `now` (before a merge) writes the `agents` check at once, past the interval, and no other check run:
        // the merge waits for this pass, and the pass after the merge shows the phases as they are then.
        mayUpdate: (key) =>
          now ? key === OVERALL_KEY : this.waitFor(lane, key, lane.lastWrite.get(key)) <= 0,
        deferCreate: (key) => {
          if (now) return key !== OVERALL_KEY;
          const first = lane.firstWanted.get(key) ?? performance.now();
          lane.firstWanted.set(key, first);
          // Coalescing on: the run changed while this pass waited for its turn to write, so the pass queued for
          // the newer state creates it as it is then (not this one from the older view, a PATCH following).
          if (this.s.tuning.checkRunIntervalMs > 0 && lane.latest.version > run.version) return true;
          // A check run in progress, `agents` too, waits two intervals: a merge or deploy paced one second
          // behind `agents` finishes by then and its check run is created once, finished; and a review that
          // finishes by then is not queued behind check runs that would only say "in progress".
          return this.waitFor(lane, key, first + this.s.tuning.checkRunIntervalMs) > 0;
        },
        wrote: (key) => lane.lastWrite.set(key, performance.now()),
      };
    } catch (err) {
      this.s.log.error({ err, runId: run.id }, "reporting a run on GitHub failed: no client");
      return false;
    }
    // What people wait for goes first: writes are paced (about one a second per installation) and go out in
    // the order they are asked for, so the findings are never queued behind check-run updates.
    const parts: [string, (c: ReportContext) => Promise<void>][] =
      run.facts.source === "pull_request"
        ? [
            ["PR review", syncReviews],
            ["step comments", syncStepComments],
            ["check runs", syncCheckRuns],
          ]
        : [
            ["step comments", syncStepComments],
            ["status comment", syncStatusComment],
          ];
    let ok = true;
    for (const [what, sync] of parts) {
      try {
        await sync(c);
      } catch (err) {
        ok = false;
        this.s.log.error(
          { err, runId: run.id, status: (err as { status?: unknown }).status },
          `reporting the run on GitHub failed (${what}); trying again later`,
        );
      }
    }
    return ok;
  }

  /**
   * How long `key` must wait for its interval since `since` to be over; when it must, a timer (held in the
   * background) runs a pass once it is.
   */
  private waitFor(lane: Lane, key: string, since: number | undefined): number {
    const interval = this.s.tuning.checkRunIntervalMs;
    const wait = interval > 0 && since !== undefined ? since + interval - performance.now() : 0;
    if (wait > 0 && !lane.timers.has(key)) {
      const release = this.s.background.hold();
      const timer = setTimeout(() => {
        lane.timers.delete(key);
        // Queue the pass before releasing the hold, so `idle` never sees a gap.
        this.schedule(lane);
        release();
      }, Math.ceil(wait));
      lane.timers.set(key, { timer, release });
    }
    return wait;
  }
}
