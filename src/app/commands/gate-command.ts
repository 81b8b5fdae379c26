import { loginKey } from "../../core/gates/gate-eligibility.js";
import { waitingGates } from "../../core/present/present.js";
import { indexPlan } from "../../core/run/plan-index.js";
import type { RunState, StepState } from "../../core/run/run-state.js";
import { evaluateWaitingGates } from "../gates/evaluate.js";
import type { CommandContext } from "./command-context.js";
import { notCountedText, nothingWaitsText, notWaitingText, unevaluableText } from "./gate-replies.js";
import { reply } from "./replies.js";

type GateVerb = {
  readonly type: "approve" | "reject";
  readonly step: string | null;
  readonly reason?: string | null;
};

/**
 * `/agents reject not ready` parses `not` as a step id; when no run has such a step, the word starts the reason
 * and the command means the only waiting gate, as if no step had been named.
 */
function withReasonWord(runs: readonly RunState[], c: GateVerb): GateVerb {
  const step = c.step;
  if (c.type !== "reject" || step === null || runs.some((r) => indexPlan(r.plan).step.has(step))) return c;
  return { type: "reject", step: null, reason: [step, c.reason].filter(Boolean).join(" ") };
}

/** The run and gate a command means, or the reply saying why there is none. */
function pickGate(
  runs: readonly RunState[],
  c: GateVerb,
  actor: string,
  prefix: string,
): { run: RunState; stepId: string } | string {
  if (c.step !== null) {
    const step = c.step;
    const run = runs.find((r) => indexPlan(r.plan).step.has(step));
    const plan = run && indexPlan(run.plan).step.get(step);
    if (!run || !plan) return `@${actor}: there is no step \`${step}\` in this run.`;
    if (plan.kind !== "approval") return `@${actor}: \`${step}\` is not an approval step.`;
    if (run.steps.get(step)?.status !== "waiting") return notWaitingText(actor, run, step);
    return { run, stepId: step };
  }
  const waiting = runs.flatMap((run) => waitingGates(run).map((g) => ({ run, stepId: g.stepId })));
  const [only] = waiting;
  if (waiting.length === 1 && only) return only;
  if (waiting.length === 0) return nothingWaitsText(actor, runs);
  const names = waiting.map((w) => `\`${w.stepId}\``).join(", ");
  return `@${actor}: several gates are waiting (${names}); name one, e.g. \`${prefix} ${c.type} ${waiting[0]?.stepId}\`.`;
}

/** Whether a gate that is no longer waiting was decided by this actor's own approve or reject. */
function decidedBy(state: StepState | undefined, actor: string, verb: GateVerb["type"]): boolean {
  if (verb === "reject")
    return state?.status === "failed" && state.error?.startsWith(`rejected by @${actor}`) === true;
  const approvers = state?.status === "succeeded" ? state.output?.data?.approvers : undefined;
  return Array.isArray(approvers) && approvers.some((a) => loginKey(String(a)) === loginKey(actor));
}

/**
 * `/agents approve|reject [step]` and Approve buttons: the command goes into the audit trail (who, when, which
 * SHA, why), then the run's gates are evaluated again; whether it counts is the gate's own rule (its `from`,
 * write access, never the author, last pusher or a bot). A command that cannot act always gets a reply saying
 * why: nothing waits, the PR was closed without merging or moved on, or it did not count.
 */
export async function gateCommand(ctx: CommandContext, c: GateVerb): Promise<void> {
  const say = (text: string) => reply(ctx.s, ctx.repo, ctx.number, text);
  const runs = await ctx.runs();
  const picked = pickGate(runs, withReasonWord(runs, c), ctx.actor, ctx.prefix);
  if (typeof picked === "string") return say(picked);
  const { run, stepId } = picked;
  const reason = c.type === "reject" ? (withReasonWord(runs, c).reason ?? null) : ctx.via;
  await ctx.s.store.appendAudit({
    runId: run.id,
    at: ctx.at,
    actor: ctx.actor,
    action: c.type,
    stepId,
    sha: run.facts.headSha,
    reason,
  });
  const evaluation = await evaluateWaitingGates(ctx.s, run.id);
  if (evaluation.skipped)
    return say(unevaluableText(ctx.actor, c.type, stepId, run.facts.headSha, evaluation.skipped));
  const outcome = evaluation.outcomes.find((o) => o.stepId === stepId);
  if (!outcome) {
    // Decided (or cancelled) between the pick and the evaluation: silent only if this very command decided it.
    const now = (await ctx.s.store.loadRun(run.id)) ?? run;
    if (!decidedBy(now.steps.get(stepId), ctx.actor, c.type))
      await say(notWaitingText(ctx.actor, now, stepId));
    return;
  }
  if (outcome.verdict.open) return;
  const ignored = outcome.verdict.ignored.find((u) => loginKey(u.login) === loginKey(ctx.actor));
  if (ignored) {
    await say(
      notCountedText(ctx.actor, c.type, outcome.gate, ignored.reason, ctx.isPullRequest ? "PR" : "issue"),
    );
  }
}
