import type { SlashCommand } from "../../core/webhooks/slash-command.js";
import type { CommandContext } from "./command-context.js";
import { reply } from "./replies.js";

/**
 * `/agents reset-learning [agent]` (admin or maintain): the repository's judgements stop teaching its profiles
 * (one persona's, or all). The findings' states and every judgement stay in the audit trail.
 */
export async function resetLearningCommand(
  ctx: CommandContext,
  c: Extract<SlashCommand, { type: "reset-learning" }>,
): Promise<void> {
  const repo = ctx.repo.fullName;
  const forgotten = await ctx.s.findings.resetLearning(repo, ctx.actor, ctx.at, c.agent ?? undefined);
  await ctx.s.store.appendAudit({
    runId: null,
    at: ctx.at,
    actor: ctx.actor,
    action: "reset-learning",
    stepId: null,
    sha: null,
    reason: `${repo}${c.agent ? ` agent ${c.agent}` : ""}: ${forgotten} judged findings`,
  });
  const what = c.agent ? `agent \`${c.agent}\`` : "every agent";
  await reply(
    ctx.s,
    ctx.repo,
    ctx.number,
    `@${ctx.actor}: learning reset for ${what} in ${repo}: ${forgotten} judged finding${forgotten === 1 ? "" : "s"} no longer count in profiles. Findings keep their states; the judgements stay in the audit trail.`,
  );
}
