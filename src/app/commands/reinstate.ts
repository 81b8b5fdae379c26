import type { SlashCommand } from "../../core/webhooks/slash-command.js";
import type { CommandContext } from "./command-context.js";
import { reply } from "./replies.js";

/**
 * `/agents reinstate <agent>` (admin or maintain): ends the agent's error-budget suspensions in this repository
 * now (every model of it); its budget counts again from zero. Audited (`reinstate`) and answered.
 */
export async function reinstateCommand(
  ctx: CommandContext,
  c: Extract<SlashCommand, { type: "reinstate" }>,
): Promise<void> {
  const repo = ctx.repo.fullName;
  const models = await ctx.s.governance.reinstate(repo, c.agent, ctx.s.now());
  if (models.length === 0) {
    await reply(
      ctx.s,
      ctx.repo,
      ctx.number,
      `@${ctx.actor}: agent \`${c.agent}\` is not suspended in ${repo}.`,
    );
    return;
  }
  const [run] = await ctx.runs();
  for (const model of models) {
    await ctx.s.store.appendAudit({
      runId: run?.id ?? null,
      at: ctx.at,
      actor: ctx.actor,
      action: "reinstate",
      stepId: null,
      sha: null,
      reason: `agent "${c.agent}" (${model}) in ${repo}`,
    });
  }
  const which = models.map((m) => `(${m})`).join(", ");
  await reply(
    ctx.s,
    ctx.repo,
    ctx.number,
    `@${ctx.actor}: agent \`${c.agent}\` ${which} reinstated in ${repo}: its error budget counts from now.`,
  );
}
