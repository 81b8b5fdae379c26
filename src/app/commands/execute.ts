import { commandHelp, requiredPermission, type SlashCommand } from "../../core/webhooks/slash-command.js";
import { canMaintain, canWrite, repoPermission } from "../permissions/repo-access.js";
import { type CommandContext, commandText } from "./command-context.js";
import { gateCommand } from "./gate-command.js";
import { reinstateCommand } from "./reinstate.js";
import { reply } from "./replies.js";
import { resetLearningCommand } from "./reset-learning.js";
import { cancelCommand, retryCommand, skipCommand, startCommand } from "./run-commands.js";
import { statusText } from "./status-text.js";

/** Write+ for run/retry/cancel, admin or maintain for skip; a refusal names the user, command and permission. */
async function permitted(ctx: CommandContext, c: SlashCommand): Promise<boolean> {
  const need = requiredPermission(c);
  if (need !== "write" && need !== "admin-or-maintain") return true;
  const repo = { installationId: ctx.repo.installationId, owner: ctx.repo.owner, name: ctx.repo.name };
  const has = await repoPermission(ctx.s, repo, ctx.actor);
  if (need === "write" ? canWrite(has) : canMaintain(has)) return true;
  const needed = need === "write" ? "write" : "admin or maintain";
  const hasText = has === "none" ? "no access" : `${has} access`;
  ctx.s.log.info({ actor: ctx.actor, command: c.type, has }, "command refused");
  await reply(
    ctx.s,
    ctx.repo,
    ctx.number,
    `@${ctx.actor}: ${commandText(ctx.prefix, c)} needs ${needed} permission (@${ctx.actor} has ${hasText}).`,
  );
  return false;
}

/** Carries out one command as the spec's table says; every accepted command that acts on a run is audited. */
export async function executeCommand(ctx: CommandContext, c: SlashCommand): Promise<void> {
  if (!(await permitted(ctx, c))) return;
  const say = (text: string) => reply(ctx.s, ctx.repo, ctx.number, text);
  switch (c.type) {
    case "help":
      return say(commandHelp(ctx.prefix));
    case "unknown":
      return say(
        `@${ctx.actor}: unknown command ${commandText(ctx.prefix, c)}.\n\n${commandHelp(ctx.prefix)}`,
      );
    case "invalid":
      return say(`@${ctx.actor}: ${commandText(ctx.prefix, c)} ${c.problem}.\n\n${commandHelp(ctx.prefix)}`);
    case "status": {
      const runs = await ctx.runs();
      if (runs.length === 0) return say("No run here yet.");
      const counts = ctx.isPullRequest
        ? await ctx.s.findings.countByState({ repo: ctx.repo.fullName, number: ctx.number })
        : null;
      return say(statusText(runs, counts));
    }
    case "approve":
    case "reject":
      return gateCommand(ctx, c);
    case "retry":
      return retryCommand(ctx, c);
    case "skip":
      return skipCommand(ctx, c);
    case "cancel":
      return cancelCommand(ctx, c);
    case "run":
      return startCommand(ctx, c);
    case "useful":
    case "wrong":
      return say(
        `@${ctx.actor}: ${commandText(ctx.prefix, c)} judges one finding: write it as a reply to the app's inline comment of that finding.`,
      );
    case "reset-learning":
      return resetLearningCommand(ctx, c);
    case "reinstate":
      return reinstateCommand(ctx, c);
  }
}
