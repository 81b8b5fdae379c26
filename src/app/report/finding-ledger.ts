import { taskTypeOf } from "../../core/learning/task-type.js";
import type { PostedEntry } from "../../core/present/review-payload.js";
import { indexPlan } from "../../core/run/plan-index.js";
import type { RunState } from "../../core/run/run-state.js";
import type { PostedFinding } from "../../db/finding-store.js";
import type { AppServices } from "../services.js";

/** The ledger rows of a review's findings: who made each (persona, model, step kind, task type) and where it went. */
export function postedFindings(
  run: RunState,
  entries: readonly PostedEntry[],
  reviewId: string | null,
  at: number,
): PostedFinding[] {
  const index = indexPlan(run.plan);
  return entries.map((e) => {
    const plan = index.step.get(e.stepId);
    const data = run.steps.get(e.stepId)?.output?.data ?? {};
    const model = typeof data.model === "string" ? data.model : (plan?.model ?? "");
    return {
      repo: run.facts.repo,
      number: run.facts.number as number,
      fingerprint: e.fingerprint,
      runId: run.id,
      stepId: e.stepId,
      persona: plan?.persona ?? e.stepId,
      model,
      stepKind: plan?.kind ?? "review",
      taskType: e.finding.taskType ?? taskTypeOf(e.finding.file),
      file: e.finding.file,
      line: e.finding.line,
      severity: e.finding.severity,
      title: e.finding.title,
      source: e.finding.source ?? null,
      codeHash: e.finding.codeHash ?? null,
      postedIn: e.postedIn,
      reviewId,
      headSha: run.facts.headSha,
      postedAt: at,
    };
  });
}

/**
 * Records what a review posted in the PR's findings ledger: its fingerprints are never posted again
 * (`GitHubStore.postedFingerprints` reads the ledger, and `posted_findings` for findings from before it).
 */
export async function recordReviewFindings(
  s: Pick<AppServices, "findings" | "now">,
  run: RunState,
  entries: readonly PostedEntry[],
  reviewId: string | null,
): Promise<void> {
  await s.findings.recordPosted(postedFindings(run, entries, reviewId, s.now()));
}
