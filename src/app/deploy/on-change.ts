import type { RunCommand } from "../../core/run/run-event.js";
import type { RunState } from "../../core/run/run-state.js";
import { earlyDeploymentStatus, handleChecksChanged, handleDeploymentStatus } from "../jobs/deployments.js";
import { inRunOrder } from "../runs/run-order.js";
import type { AppServices } from "../services.js";
import { settleProtectionRequests } from "./protection.js";
import { needsRollback, rollBack } from "./rollback.js";

/** Rollbacks started by this process (`run/step`), so the changes they cause do not start them again. */
const rollingBack = new WeakMap<AppServices, Set<string>>();

/**
 * Rollbacks after a failed deploy, answers to deployment protection rules (in the background). Returns at
 * once; runs only when a phase changed (a step moved), which is when either can have become due.
 */
export function deploymentsOnChange(s: AppServices, run: RunState, commands: readonly RunCommand[]): void {
  const gh = run.facts.github;
  if (!gh || !commands.some((c) => c.type === "phase-changed")) return;
  // A check that finished between the step's read and its parking as `waiting` sent its webhook too early to
  // count: look once more now that the step waits.
  if (commands.some((c) => c.type === "await" && c.waitingFor === "checks")) {
    const repo = {
      owner: gh.owner,
      name: gh.name,
      fullName: run.facts.repo,
      installationId: gh.installationId,
      defaultBranch: gh.defaultBranch,
    };
    s.background.track(
      handleChecksChanged(s, { type: "checks_changed", repo, sha: run.facts.headSha }, "").catch((err) =>
        s.log.error({ err, runId: run.id }, "looking at the checks again failed"),
      ),
    );
  }
  // A deploy job that answered before the step parked as `waiting` sent its status too early to count: it was
  // kept, and is applied now that the step waits.
  for (const c of commands) {
    if (c.type !== "await" || c.waitingFor !== "deployment") continue;
    s.background.track(
      earlyDeploymentStatus(s, run, c.stepId)
        .then((job) => (job ? handleDeploymentStatus(s, job, "") : undefined))
        .catch((err) =>
          s.log.error({ err, runId: run.id, stepId: c.stepId }, "applying an early deployment status failed"),
        ),
    );
  }
  const started = rollingBack.get(s) ?? new Set<string>();
  rollingBack.set(s, started);
  for (const p of run.plan.steps) {
    const key = `${run.id}/${p.id}`;
    if (started.has(key) || !needsRollback(run, p.id)) continue;
    started.add(key);
    s.background.track(
      // One replica at a time: the ledger's `rollback:` record is read, then written, under the run's order lock.
      inRunOrder(s, run.id, () => rollBack(s, run, p.id)).catch((err) =>
        s.log.error({ err, runId: run.id, stepId: p.id }, "rolling back a failed deploy failed"),
      ),
    );
  }
  s.background.track(
    settleProtectionRequests(s, run).catch((err) =>
      s.log.error({ err, runId: run.id }, "answering deployment protection rules failed"),
    ),
  );
}
