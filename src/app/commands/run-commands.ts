import { indexPlan } from "../../core/run/plan-index.js";
import { type RunState, TERMINAL_RUN_STATES } from "../../core/run/run-state.js";
import type { SlashCommand } from "../../core/webhooks/slash-command.js";
import { startRunFromCommand } from "../runs/command.js";
import type { CommandContext } from "./command-context.js";
import { commandText } from "./command-context.js";
import { reply } from "./replies.js";

type Of<T extends SlashCommand["type"]> = Extract<SlashCommand, { type: T }>;

function audit(
  ctx: CommandContext,
  run: RunState,
  action: string,
  stepId: string | null,
  why: string | null,
) {
  return ctx.s.store.appendAudit({
    runId: run.id,
    at: ctx.at,
    actor: ctx.actor,
    action,
    stepId,
    sha: run.facts.headSha,
    reason: why ?? ctx.via,
  });
}

const say = (ctx: CommandContext, text: string) => reply(ctx.s, ctx.repo, ctx.number, text);

/** `/agents retry [step]`: the step, or every failed step of the current runs, runs again. */
export async function retryCommand(ctx: CommandContext, c: Of<"retry">): Promise<void> {
  const runs = await ctx.runs();
  const failed = (r: RunState) => [...r.steps.values()].some((st) => st.status === "failed");
  if (c.step !== null) {
    const step = c.step;
    const run = runs.find((r) => indexPlan(r.plan).step.has(step));
    const state = run?.steps.get(step);
    if (!run || !state) return say(ctx, `@${ctx.actor}: there is no step \`${step}\` in this run.`);
    if (state.status !== "failed")
      return say(ctx, `@${ctx.actor}: \`${step}\` has not failed (it is ${state.status}); nothing to retry.`);
    await audit(ctx, run, "retry", step, null);
    await ctx.s.engine.submit(run.id, { type: "retry", at: ctx.s.now(), by: ctx.actor, stepId: step });
    return;
  }
  const targets = runs.filter(failed);
  if (targets.length === 0) return say(ctx, `@${ctx.actor}: no step has failed; nothing to retry.`);
  for (const run of targets) {
    await audit(ctx, run, "retry", null, null);
    await ctx.s.engine.submit(run.id, { type: "retry", at: ctx.s.now(), by: ctx.actor });
  }
}

/** `/agents skip <step> [reason]`: the step is skipped, audited with the reason. */
export async function skipCommand(ctx: CommandContext, c: Of<"skip">): Promise<void> {
  const run = (await ctx.runs()).find((r) => indexPlan(r.plan).step.has(c.step));
  const state = run?.steps.get(c.step);
  if (!run || !state) return say(ctx, `@${ctx.actor}: there is no step \`${c.step}\` in this run.`);
  if (
    TERMINAL_RUN_STATES.has(run.status) ||
    ["succeeded", "failed", "skipped", "cancelled"].includes(state.status)
  )
    return say(ctx, `@${ctx.actor}: \`${c.step}\` already finished (${state.status}); nothing to skip.`);
  const reason = c.reason ?? "no reason given";
  await audit(ctx, run, "skip", c.step, reason);
  await ctx.s.engine.submit(run.id, {
    type: "step-skipped",
    at: ctx.s.now(),
    stepId: c.step,
    by: ctx.actor,
    reason,
  });
}

/** `/agents cancel [reason]`: every unfinished current run stops. */
export async function cancelCommand(ctx: CommandContext, c: Of<"cancel">): Promise<void> {
  const open = (await ctx.runs()).filter((r) => !TERMINAL_RUN_STATES.has(r.status));
  if (open.length === 0) return say(ctx, `@${ctx.actor}: no run is in progress; nothing to cancel.`);
  const reason = c.reason ?? "no reason given";
  for (const run of open) {
    await audit(ctx, run, "cancel", null, reason);
    await ctx.s.engine.submit(run.id, { type: "cancel", at: ctx.s.now(), by: ctx.actor, reason });
  }
}

/** `/agents run [workflow|template]`: the runs module starts the runs; each one started is audited. */
export async function startCommand(ctx: CommandContext, c: Of<"run">): Promise<void> {
  let result: Awaited<ReturnType<typeof startRunFromCommand>>;
  try {
    result = await startRunFromCommand(ctx.s, {
      repo: ctx.repo,
      number: ctx.number,
      isPullRequest: ctx.isPullRequest,
      target: c.target,
      sender: ctx.actor,
    });
  } catch (err) {
    ctx.s.log.error(
      { err, repo: ctx.repo.fullName, number: ctx.number },
      "starting a run from a command failed",
    );
    return say(ctx, `@${ctx.actor}: ${commandText(ctx.prefix, c)} failed: the run could not be started.`);
  }
  if ("error" in result) return say(ctx, `@${ctx.actor}: ${result.error}`);
  for (const id of result.started) {
    const run = await ctx.s.store.loadRun(id);
    if (run) await audit(ctx, run, "run", null, c.target ? `run ${c.target}` : null);
  }
}
