import type { RunState } from "../../core/run/run-state.js";
import type { AppServices, Octokit } from "../services.js";

/** What one reporting pass over a run needs: the run as last stored, its repository and a client for it. */
export interface ReportContext {
  readonly s: AppServices;
  readonly run: RunState;
  readonly octokit: Octokit;
  readonly owner: string;
  readonly repo: string;
  /** The dashboard's run page, when the dashboard is on. */
  readonly dashboardUrl: string | undefined;
  /**
   * May the update keyed `key` (a check run, the status comment) be written now? False when one was written less
   * than `tuning.checkRunIntervalMs` ago: a later pass is then scheduled, and it writes the latest view.
   */
  mayUpdate(key: string): boolean;
  /** Records that `key` was just written (starts its interval). */
  wrote(key: string): void;
  /**
   * Should creating `key` wait? True during the first interval after it was first wanted (a later pass then
   * creates it with the latest view): a phase that finishes within it is created completed, in one request.
   */
  deferCreate(key: string): boolean;
}

/** Options of the renderers in `present.ts` for this pass. */
export function presentOptions(c: ReportContext): { dashboardUrl?: string } {
  return c.dashboardUrl ? { dashboardUrl: c.dashboardUrl } : {};
}
