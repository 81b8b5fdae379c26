import type { Finding } from "../findings/finding.js";
import type { RunPlan } from "./plan.js";
import { StepTable } from "./step-table.js";

/**
 * Step states, in the order a step moves through them:
 * `queued` (dependencies not met) < `ready` (claimable once `notBefore` passes) < `running` (a worker holds the
 * lease) < `waiting` (parked on something outside: an approval, a deployment status, CI checks) < the terminal
 * states. A retry moves a step from `running` back to `ready` with a backoff.
 */
export const STEP_STATES = [
  "queued",
  "ready",
  "running",
  "waiting",
  "succeeded",
  "failed",
  "skipped",
  "cancelled",
] as const;
export type StepStatus = (typeof STEP_STATES)[number];

export const TERMINAL_STEP_STATES: ReadonlySet<StepStatus> = new Set([
  "succeeded",
  "failed",
  "skipped",
  "cancelled",
]);

export function isTerminal(s: StepStatus): boolean {
  return TERMINAL_STEP_STATES.has(s);
}

/** Run states: `queued` < `running` < `waiting` (only gates or outside events left) < terminal. */
export const RUN_STATES = ["queued", "running", "waiting", "succeeded", "failed", "cancelled"] as const;
export type RunStatus = (typeof RUN_STATES)[number];

export const TERMINAL_RUN_STATES: ReadonlySet<RunStatus> = new Set(["succeeded", "failed", "cancelled"]);

/** What a step produced; stored as JSON. */
export interface StepOutput {
  /** One line for tables: "3 findings (1 high)", "would merge with squash". */
  readonly summary: string;
  readonly findings?: readonly Finding[];
  /** Free text: an `agent` step's answer, usable as `{{ steps.<id>.output }}`. */
  readonly text?: string;
  /** Which provider produced it, e.g. "heuristic (no model configured)". */
  readonly provider?: string;
  /** Files not reviewed, and why. */
  readonly notReviewed?: readonly { readonly path: string; readonly reason: string }[];
  /** Anything kind-specific: approvers, merge SHA, deployment id. */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** What a step is parked on while `waiting`. */
export type WaitingFor = "approval" | "deployment" | "checks";

export interface StepState {
  readonly id: string;
  readonly status: StepStatus;
  /** Attempts started so far (a claim starts one). */
  readonly attempts: number;
  /** Epoch ms before which a `ready` step must not be claimed (retry backoff). */
  readonly notBefore: number | null;
  readonly leaseOwner: string | null;
  readonly leaseExpiresAt: number | null;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly waitingFor: WaitingFor | null;
  readonly output: StepOutput | null;
  /** The last error, kept when a retry succeeds later for the record. */
  readonly error: string | null;
  /** Why it was skipped or cancelled: `when: paths did not match`, `step "lint" failed`. */
  readonly reason: string | null;
  readonly tokens: number;
}

/** Facts about what the run is for; `when` and `if:` conditions and prompts read them. */
export interface RunFacts {
  readonly source: "pull_request" | "issue" | "local";
  /** `owner/name` on GitHub, or the local repository's folder name. */
  readonly repo: string;
  readonly number: number | null;
  readonly headSha: string;
  readonly baseRef: string | null;
  readonly author: string | null;
  readonly labels: readonly string[];
  readonly changedFiles: readonly string[];
  /** Lines added and deleted over all changed files, for `if:` (`pr.additions`); absent on older runs and issues. */
  readonly additions?: number;
  readonly deletions?: number;
  readonly title: string | null;
  /** Present on runs started from GitHub: what the app needs to act there. */
  readonly github?: GitHubFacts;
}

/** Facts of a run on GitHub. */
export interface GitHubFacts {
  readonly installationId: number;
  readonly owner: string;
  readonly name: string;
  readonly defaultBranch: string;
  /** Who pushed the head SHA (the sender of `opened`/`synchronize`): never counts as an approver. */
  readonly lastPusher: string | null;
  /** The PR's or issue's body, for prompts (untrusted data). */
  readonly body: string | null;
  /** The PR's head branch; null for issues. */
  readonly headRef: string | null;
  readonly draft: boolean;
}

export interface RunState {
  readonly id: string;
  readonly status: RunStatus;
  readonly plan: RunPlan;
  readonly facts: RunFacts;
  /** In plan order; `steps.get(id)`. */
  readonly steps: StepTable<StepState>;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  /** Why it was cancelled or failed, e.g. "superseded by abc1234". */
  readonly reason: string | null;
  readonly tokens: number;
  /** Bumped by every stored change; stores use it for optimistic concurrency. */
  readonly version: number;
}

export function newStepState(id: string): StepState {
  return Object.freeze({
    id,
    status: "queued",
    attempts: 0,
    notBefore: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    startedAt: null,
    finishedAt: null,
    waitingFor: null,
    output: null,
    error: null,
    reason: null,
    tokens: 0,
  });
}

/** A fresh, queued run. Call `transition(run, { type: "start" })` to make its first steps ready. */
export function newRunState(input: {
  id: string;
  plan: RunPlan;
  facts: RunFacts;
  createdAt: number;
}): RunState {
  return Object.freeze({
    id: input.id,
    status: "queued",
    plan: input.plan,
    facts: input.facts,
    steps: StepTable.of(input.plan.steps.map((s) => newStepState(s.id))),
    createdAt: input.createdAt,
    startedAt: null,
    finishedAt: null,
    reason: null,
    tokens: 0,
    version: 0,
  });
}
