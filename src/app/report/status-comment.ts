import { cellText, codeSpan } from "../../core/present/markdown-escape.js";
import { markdownLink } from "../../core/present/phase-check-run.js";
import { stepsTable, waitingGates } from "../../core/present/present.js";
import { isTerminal, type RunState, TERMINAL_RUN_STATES } from "../../core/run/run-state.js";
import { createComment, findComment, updateComment } from "./issue-comments.js";
import { findOrCreate } from "./ledger-write.js";
import { payloadHash } from "./payload-hash.js";
import type { ReportContext } from "./report-context.js";

const KEY = "status-comment";

export function statusCommentMarker(runId: string): string {
  return `<!-- phasegate:status ${runId} -->`;
}

function headline(run: RunState): string {
  const done = run.steps.values().filter((s) => isTerminal(s.status)).length;
  switch (run.status) {
    case "succeeded":
      return "succeeded";
    case "failed":
      return `failed${run.reason ? `: ${cellText(run.reason)}` : ""}`;
    case "cancelled":
      return `cancelled${run.reason ? `: ${cellText(run.reason)}` : ""}`;
    case "waiting":
      return `waiting (${done} of ${run.steps.size} steps finished)`;
    default:
      return `running (${done} of ${run.steps.size} steps finished)`;
  }
}

/**
 * The status comment of an issue run (issues have no SHA to put check runs on): the steps' table, the waiting
 * gates with who can approve and the command to do it, and the dashboard link.
 */
export function statusCommentBody(run: RunState, dashboardUrl?: string): string {
  const gates = waitingGates(run);
  return [
    `**agents: ${cellText(run.plan.name, 80)}** ${headline(run)}`,
    stepsTable(
      run,
      run.plan.steps.map((p) => p.id),
    ),
    ...(gates.length > 0
      ? [
          [
            "**Waiting for approval**",
            ...gates.map(
              (g) =>
                `- ${codeSpan(g.stepId)}: ${cellText(g.missing)}. Can approve: ${g.who}, ` +
                `by commenting \`${run.plan.commandPrefix} approve ${g.stepId}\`.`,
            ),
          ].join("\n"),
        ]
      : []),
    ...(dashboardUrl ? [markdownLink("Run on the dashboard", dashboardUrl)] : []),
    statusCommentMarker(run.id),
  ].join("\n\n");
}

/**
 * Keeps one status comment per issue run: created once the run first waits or finishes, then edited when what
 * it shows changes (at most once per interval, the latest view winning).
 */
export async function syncStatusComment(c: ReportContext): Promise<void> {
  const { run, s } = c;
  if (run.facts.number === null) return;
  const effect = await s.github.effect(run.id, KEY);
  if (!effect && run.status !== "waiting" && !TERMINAL_RUN_STATES.has(run.status)) return;
  const body = statusCommentBody(run, c.dashboardUrl);
  const hash = payloadHash(body);
  if (effect?.state === "done" && effect.githubId !== null) {
    if (effect.data?.hash === hash || !c.mayUpdate(KEY)) return;
    await updateComment(c, effect.githubId, body);
    c.wrote(KEY);
    await s.github.putEffect(
      run.id,
      KEY,
      { state: "done", githubId: effect.githubId, data: { hash } },
      s.now(),
    );
    return;
  }
  const result = await findOrCreate(
    c,
    {
      key: KEY,
      data: { hash },
      find: () => findComment(c, statusCommentMarker(run.id)),
      create: () => createComment(c, body),
      idOf: (x) => String(x.id),
    },
    effect?.state === "pending",
  );
  c.wrote(KEY);
  if (result.how === "adopted" && result.value.body !== body) {
    await s.github.putEffect(
      run.id,
      KEY,
      { state: "done", githubId: result.githubId, data: { hash: null } },
      s.now(),
    );
    await syncStatusComment(c);
  }
}
