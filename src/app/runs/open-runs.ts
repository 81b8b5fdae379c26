import { type RunState, TERMINAL_RUN_STATES } from "../../core/run/run-state.js";
import type { JobRepo } from "../../core/webhooks/webhook-job.js";
import type { AppServices } from "../services.js";

/** Every run of a PR or issue, newest first. */
export async function runsOf(s: AppServices, repo: JobRepo, number: number): Promise<RunState[]> {
  const ids = await s.github.runIdsFor(repo.fullName, number);
  const runs = await Promise.all(ids.map((id) => s.store.loadRun(id)));
  return runs.filter((r): r is RunState => r !== null);
}

export function isOpen(run: RunState): boolean {
  return !TERMINAL_RUN_STATES.has(run.status);
}

/** Cancels runs (audited), saying why and who asked. */
export async function cancelRuns(
  s: AppServices,
  runs: readonly RunState[],
  by: string | null,
  reason: string,
): Promise<void> {
  for (const run of runs) {
    const at = s.now();
    await s.engine.submit(run.id, { type: "cancel", at, by, reason });
    await s.store.appendAudit({
      runId: run.id,
      at,
      actor: by ?? "phasegate",
      action: "cancel",
      stepId: null,
      sha: run.facts.headSha || null,
      reason,
    });
  }
}

/** Supersedes open runs of older head SHAs: their unfinished steps stop ("superseded by <sha7>"). */
export async function supersedeRuns(
  s: AppServices,
  runs: readonly RunState[],
  bySha: string,
  actor: string,
): Promise<void> {
  for (const run of runs) {
    if (!isOpen(run) || run.facts.headSha === bySha) continue;
    const at = s.now();
    await s.engine.submit(run.id, { type: "supersede", at, bySha });
    await s.store.appendAudit({
      runId: run.id,
      at,
      actor,
      action: "supersede",
      stepId: null,
      sha: run.facts.headSha,
      reason: `superseded by ${bySha.slice(0, 7)}`,
    });
  }
}
