import type { ProbotOctokit } from "probot";
import { DEFAULT_PACE_LIMITS, type PaceLimits } from "../core/pacing/pace-limits.js";
import { memoryPaceStore, type PaceStore } from "../core/pacing/pace-store.js";
import type { BackoffOptions } from "./classify-failure.js";
import { type Clock, systemClock } from "./clock.js";
import { InstallationPacer } from "./installation-pacer.js";
import { pacedRequest } from "./paced-request.js";
import type { RateLimitWait } from "./rate-limit-wait.js";

/** The one part of an Octokit client this layer touches: its request hook (Probot's Octokit, or any @octokit/core). */
export interface HookableOctokit {
  hook: Pick<InstanceType<typeof ProbotOctokit>["hook"], "wrap">;
}

/** Options of `installationClients`; everything but `authenticate` has a default. */
export interface InstallationClientsOptions<O extends HookableOctokit> {
  /**
   * A fresh authenticated client for one installation, with Octokit's own throttling and retry turned off (they
   * would pace twice and retry POSTs blindly); in the app, `probotInstallationOctokit(app)`.
   */
  authenticate: (installationId: number) => Promise<O>;
  limits?: Partial<PaceLimits>;
  backoff?: Partial<BackoffOptions>;
  /** Bound on the total back-off of one request before `GitHubRateLimitError`; default 15 minutes. */
  maxWaitMs?: number;
  clock?: Clock;
  /**
   * Where each installation's write schedule (next write time, recent content writes, rate-limit pause) lives.
   * Default: this process's memory, right for one process (SQLite). Replicas on one Postgres pass a
   * `PostgresPaceStore` over it, so that they reserve writes from one schedule instead of each pacing alone.
   */
  sharedSchedule?: PaceStore;
  /** Called before every back-off, e.g. to log it and count it in metrics. */
  onWait?: (wait: RateLimitWait) => void;
  /** Called with every GitHub response's status code (`"error"`: no response), e.g. to count it in metrics. */
  onResponse?: (installationId: number, status: number | "error") => void;
}

/** Hands out paced clients; see `installationClients`. */
export interface InstallationClients<O> {
  /** A client whose every request goes through this installation's pacer and back-off. */
  forInstallation(installationId: number): Promise<O>;
}

/**
 * Clients for the engine's GitHub calls, paced per installation: writes about one per second, content-creating
 * writes at most 80 a minute and 500 an hour, at most 100 requests in flight, each installation on its own pacer so
 * one installation's backlog never slows another's. Rate limits pause that installation and are retried after
 * `retry-after`, the primary reset, or an exponential back-off from 60 s, up to `maxWaitMs` in all, then fail with
 * `GitHubRateLimitError`. A 5xx or network error is retried (1 s, 2 s, 4 s) for GET/PUT/PATCH/DELETE; for a POST it
 * becomes `GitHubWriteUncertainError`: the write may have happened, so the caller re-reads GitHub and finds or
 * creates (by check-run name + head SHA or `external_id`, review fingerprint) instead of posting twice. GraphQL
 * (`POST /graphql`) counts as a write, as in @octokit/plugin-throttling, and is never retried after a 5xx. Writes of
 * one installation start in FIFO order, so a comment held back by the content cap also holds the writes behind it.
 * With `sharedSchedule`, the spacing, the content caps and rate-limit pauses hold across every process sharing it.
 *
 * @example
 * const github = installationClients({ authenticate: probotInstallationOctokit(app), onWait: (w) => app.log.warn(w) });
 * const octokit = await github.forInstallation(installationId);
 * await octokit.rest.checks.update({ owner, repo, check_run_id, status: "completed", conclusion: "success" });
 */
export function installationClients<O extends HookableOctokit>(
  options: InstallationClientsOptions<O>,
): InstallationClients<O> {
  const limits: PaceLimits = { ...DEFAULT_PACE_LIMITS, ...options.limits };
  const backoff: BackoffOptions = {
    secondaryBaseMs: 60_000,
    serverErrorBaseMs: 1000,
    serverErrorRetries: 3,
    ...options.backoff,
  };
  const clock = options.clock ?? systemClock;
  const maxWaitMs = options.maxWaitMs ?? 15 * 60_000;
  const onWait = options.onWait ?? (() => {});
  const schedule = options.sharedSchedule ?? memoryPaceStore();
  // Pacers outlive clients: a client is cheap and per call, the pacer holds the installation's budget.
  const pacers = new Map<number, InstallationPacer>();
  return {
    async forInstallation(installationId) {
      let pacer = pacers.get(installationId);
      if (!pacer) {
        pacer = new InstallationPacer(limits, clock, schedule, installationId);
        pacers.set(installationId, pacer);
      }
      const ctx = {
        ...backoff,
        installationId,
        pacer,
        clock,
        maxWaitMs,
        onWait,
        ...(options.onResponse ? { onResponse: options.onResponse } : {}),
      };
      const octokit = await options.authenticate(installationId);
      octokit.hook.wrap("request", (request, requestOptions) => pacedRequest(ctx, request, requestOptions));
      return octokit;
    },
  };
}
