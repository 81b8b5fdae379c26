import { blockText, cellText, codeSpan } from "../../core/present/markdown-escape.js";
import type { StepPlan } from "../../core/run/plan.js";
import type { RunState } from "../../core/run/run-state.js";
import { createComment, findComment } from "./issue-comments.js";
import { findOrCreate } from "./ledger-write.js";
import type { ReportContext } from "./report-context.js";

const TEXT_MAX = 60_000;

export function stepCommentMarker(runId: string, stepId: string): string {
  return `<!-- phasegate:comment ${runId}/${stepId} -->`;
}

/**
 * The comment of an `agent` step with `with.post: comment`: its output, escaped like every model text (no
 * mentions, no HTML), under a line saying it is model output and from which provider.
 */
export function stepCommentBody(run: RunState, step: StepPlan): string {
  const output = run.steps.get(step.id)?.output;
  const provider = output?.provider ? cellText(output.provider, 80) : "an unnamed provider";
  const name =
    step.name !== step.id ? `${cellText(step.name, 80)} (${codeSpan(step.id)})` : codeSpan(step.id);
  return [
    `**${name}**: model output from ${provider}, written by a model: check it before acting on it.`,
    blockText(output?.text ?? "", TEXT_MAX),
    stepCommentMarker(run.id, step.id),
  ].join("\n\n");
}

/** Posts the output of each succeeded `agent` step with `with.post: comment`, once (ledger `comment:<step>`). */
export async function syncStepComments(c: ReportContext): Promise<void> {
  const { run, s } = c;
  if (run.facts.number === null) return;
  for (const step of run.plan.steps) {
    if (step.kind !== "agent" || step.with.post !== "comment") continue;
    const state = run.steps.get(step.id);
    if (state?.status !== "succeeded" || !state.output?.text?.trim()) continue;
    const key = `comment:${step.id}`;
    const effect = await s.github.effect(run.id, key);
    if (effect?.state === "done") continue;
    const marker = stepCommentMarker(run.id, step.id);
    await findOrCreate(
      c,
      {
        key,
        data: {},
        find: () => findComment(c, marker),
        create: () => createComment(c, stepCommentBody(run, step)),
        idOf: (x) => String(x.id),
      },
      effect?.state === "pending",
    );
  }
}
