import type { RunState, RunStatus, StepOutput, WaitingFor } from "./run-state.js";

/**
 * Everything that can happen to a run. `at` is epoch ms, passed in so `transition` stays pure.
 * Events that no longer apply (a late result from a worker whose lease was taken over, an approval for a gate
 * that already passed) change nothing.
 */
export type RunEvent =
  /** Start the run: steps with no dependencies become ready (or skipped by `when`). */
  | { readonly type: "start"; readonly at: number }
  /** A worker claims ready steps (respecting `max_parallel` for agent steps) under a lease. */
  | {
      readonly type: "claim";
      readonly at: number;
      readonly worker: string;
      readonly leaseMs: number;
      /** Claim at most this many steps (default: all that may start). */
      readonly limit?: number;
    }
  | {
      readonly type: "step-succeeded";
      readonly at: number;
      readonly stepId: string;
      readonly worker: string;
      readonly attempt: number;
      readonly output: StepOutput;
      readonly tokens?: number;
    }
  | {
      readonly type: "step-failed";
      readonly at: number;
      readonly stepId: string;
      readonly worker: string;
      readonly attempt: number;
      readonly error: string;
      /** A verdict (findings at `fail_on`) is final; errors are retried. Default true. */
      readonly retryable?: boolean;
      readonly output?: StepOutput;
      readonly tokens?: number;
    }
  /** The executor handed the step to the outside world (a gate, a deployment) and released its lease. */
  | {
      readonly type: "step-waiting";
      readonly at: number;
      readonly stepId: string;
      readonly worker: string;
      readonly attempt: number;
      readonly waitingFor: WaitingFor;
      readonly output?: StepOutput;
    }
  /** An outside event completed a waiting step (deployment status, checks concluded). */
  | {
      readonly type: "step-resolved";
      readonly at: number;
      readonly stepId: string;
      readonly ok: boolean;
      readonly output?: StepOutput;
      readonly error?: string;
    }
  | { readonly type: "step-timed-out"; readonly at: number; readonly stepId: string }
  /** The worker holding the lease stopped heartbeating: the attempt is lost and the step is claimable again. */
  | { readonly type: "lease-expired"; readonly at: number; readonly stepId: string }
  /** Time passed: fire due timeouts. */
  | { readonly type: "tick"; readonly at: number }
  /** `/agents skip <step>`. */
  | {
      readonly type: "step-skipped";
      readonly at: number;
      readonly stepId: string;
      readonly by: string;
      readonly reason: string;
    }
  | {
      readonly type: "gate-approved";
      readonly at: number;
      readonly stepId: string;
      readonly by: readonly string[];
      readonly sha: string;
    }
  /**
   * A waiting gate was evaluated and still waits: its account ("needs 1 more approval from @acme/maintainers on
   * abc1234") and who can satisfy it are stored for check runs and the dashboard. Changes nothing else.
   */
  | {
      readonly type: "gate-evaluated";
      readonly at: number;
      readonly stepId: string;
      readonly summary: string;
      readonly data?: Readonly<Record<string, unknown>>;
    }
  /**
   * GitHub refused the merge (405/409): the merge step fails with GitHub's message and every approval gate it
   * needs opens again, counting only approvals given from now on. When they pass again, the merge runs again.
   */
  | {
      readonly type: "merge-refused";
      readonly at: number;
      readonly stepId: string;
      readonly worker: string;
      readonly attempt: number;
      readonly error: string;
    }
  /**
   * Something happened to a step after the fact, e.g. a failed deploy was rolled back: its one-line summary and
   * data change, nothing else (any state, terminal included).
   */
  | {
      readonly type: "step-noted";
      readonly at: number;
      readonly stepId: string;
      readonly summary: string;
      readonly data?: Readonly<Record<string, unknown>>;
    }
  | {
      readonly type: "gate-rejected";
      readonly at: number;
      readonly stepId: string;
      readonly by: string;
      readonly reason: string;
    }
  /** `/agents retry [step]`: failed steps (or one) run again; steps skipped because of them are queued again. */
  | { readonly type: "retry"; readonly at: number; readonly by: string; readonly stepId?: string }
  | { readonly type: "cancel"; readonly at: number; readonly by: string | null; readonly reason: string }
  /** A new head SHA arrived: this run stops. */
  | { readonly type: "supersede"; readonly at: number; readonly bySha: string };

/** What the engine must do after a transition. */
export type RunCommand =
  /** Run the step's executor; report back with this worker and attempt. */
  | {
      readonly type: "execute";
      readonly stepId: string;
      readonly attempt: number;
      readonly leaseExpiresAt: number;
    }
  /** Stop a running executor (cancelled, timed out, superseded). */
  | { readonly type: "abort"; readonly stepId: string; readonly reason: string }
  /** A step is now parked on the outside world (a gate to evaluate, a deployment to watch). */
  | { readonly type: "await"; readonly stepId: string; readonly waitingFor: WaitingFor }
  /** A phase's derived status may have changed: report it (check run). */
  | { readonly type: "phase-changed"; readonly phaseId: string }
  | { readonly type: "run-finished"; readonly status: RunStatus };

export interface Transition {
  readonly state: RunState;
  readonly commands: readonly RunCommand[];
}
