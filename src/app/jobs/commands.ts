import { actionCommands } from "../../core/present/present.js";
import type { PhasePlan } from "../../core/run/plan.js";
import { type RunState, TERMINAL_RUN_STATES } from "../../core/run/run-state.js";
import { parseSlashCommands, type SlashCommand } from "../../core/webhooks/slash-command.js";
import { errorMessage } from "../../engine/error-message.js";
import type { CommandContext } from "../commands/command-context.js";
import { currentRuns } from "../commands/current-runs.js";
import { executeCommand } from "../commands/execute.js";
import { acknowledge, reply } from "../commands/replies.js";
import { evaluateWaitingGates } from "../gates/evaluate.js";
import type { AppServices } from "../services.js";
import type { HandlerOf, JobOf } from "./job-types.js";

const DEFAULT_PREFIX = "/agents";

async function executeAll(ctx: CommandContext, commands: readonly SlashCommand[]): Promise<void> {
  for (const c of commands) {
    try {
      await executeCommand(ctx, c);
    } catch (err) {
      ctx.s.log.error(
        { err, error: errorMessage(err), actor: ctx.actor, command: c.type },
        "a command failed",
      );
      await reply(
        ctx.s,
        ctx.repo,
        ctx.number,
        `@${ctx.actor}: \`${c.type}\` failed on our side; try again later.`,
      );
    }
  }
}

/**
 * Slash commands in a new comment (spec "Slash commands"):
 * 1. find the PR's or issue's current runs: their prefix applies (else `/agents`);
 * 2. without a run only `run`, `help`, `reinstate` and `reset-learning` are answered; a comment with nothing to answer is left alone;
 * 3. 👀 on the comment, then each command in order, checked and carried out like its button.
 */
export const handleComment: HandlerOf<"comment"> = async (s, job) => {
  const runs = await currentRuns(s, job.repo.fullName, job.number);
  const prefix = runs[0]?.plan.commandPrefix ?? DEFAULT_PREFIX;
  const parsed = parseSlashCommands(job.body, prefix);
  const withoutRun = new Set(["run", "help", "reinstate", "reset-learning"]);
  const commands = runs.length > 0 ? parsed : parsed.filter((c) => withoutRun.has(c.type));
  if (commands.length === 0) return;
  await acknowledge(s, job.repo, job.commentId);
  await executeAll(
    {
      s,
      repo: job.repo,
      number: job.number,
      isPullRequest: job.isPullRequest,
      actor: job.author,
      at: job.at,
      via: "comment",
      prefix,
      runs: () => currentRuns(s, job.repo.fullName, job.number),
    },
    commands,
  );
};

/** A review submitted or dismissed: every open run of the PR evaluates its waiting gates again. */
export const handleReview: HandlerOf<"review"> = async (s, job) => {
  for (const id of await s.github.runIdsFor(job.repo.fullName, job.number)) {
    const run = await s.store.loadRun(id);
    if (run && !TERMINAL_RUN_STATES.has(run.status)) await evaluateWaitingGates(s, id);
  }
};

/** Our check run's `external_id`: `<runId>` for `agents`, `<runId>/<phaseId>` for a phase. */
async function checkRunTarget(
  s: AppServices,
  externalId: string,
): Promise<{ run: RunState; phase: PhasePlan | null } | null> {
  const [runId = "", phaseId] = externalId.split("/");
  const run = runId ? await s.store.loadRun(runId) : null;
  if (!run?.facts.github || run.facts.number === null) return null;
  if (phaseId === undefined) return { run, phase: null };
  const phase = run.plan.phases.find((p) => p.id === phaseId);
  return phase ? { run, phase } : null;
}

function buttonContext(
  s: AppServices,
  job: JobOf<"check_run_action"> | JobOf<"check_run_rerequested">,
  run: RunState,
  at: number,
): CommandContext {
  return {
    s,
    repo: job.repo,
    number: run.facts.number ?? 0,
    isPullRequest: run.facts.source === "pull_request",
    actor: job.sender,
    at,
    via: "button",
    prefix: run.plan.commandPrefix,
    runs: async () => {
      const fresh = await s.store.loadRun(run.id);
      return fresh ? [fresh] : [];
    },
  };
}

/** A check-run button (`requested_action`): the commands it stands for, checked exactly like slash commands. */
export const handleCheckRunAction: HandlerOf<"check_run_action"> = async (s, job) => {
  const target = await checkRunTarget(s, job.externalId);
  if (!target) {
    s.log.info({ externalId: job.externalId }, "a button of a check run we know nothing about: ignored");
    return;
  }
  const { run } = target;
  // The overall `agents` check has no buttons of its own; read its id as the whole run.
  const phase = target.phase ?? wholeRun(run);
  await executeAll(buttonContext(s, job, run, job.at), actionCommands(job.identifier, run, phase));
};

/** "Re-run" on one of our check runs: that phase's failed steps (every failed step for `agents`) run again. */
export const handleCheckRunRerequested: HandlerOf<"check_run_rerequested"> = async (s, job) => {
  const target = await checkRunTarget(s, job.externalId);
  if (!target) return;
  const { run } = target;
  const phase = target.phase ?? wholeRun(run);
  const commands = actionCommands("retry-failed", run, phase);
  if (commands.length === 0) return;
  await executeAll(buttonContext(s, job, run, s.now()), commands);
};

function wholeRun(run: RunState): PhasePlan {
  return { id: "", name: run.plan.name, needs: [], steps: run.plan.steps.map((p) => p.id) };
}
