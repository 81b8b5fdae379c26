import type { GateSpec } from "../../core/gates/gate-facts.js";
import type { Unevaluable } from "../../core/gates/unevaluable.js";
import { noMentions } from "../../core/present/markdown-escape.js";
import type { RunState } from "../../core/run/run-state.js";

function requirement(gate: GateSpec): string {
  if (gate.from === "codeowners") return "write permission and owning one of the changed files (CODEOWNERS)";
  if (!gate.from || gate.from.length === 0) return "write permission";
  const teams = gate.from.filter((f) => f.includes("/")).map((f) => `@${f.replace(/^@/, "")}`);
  const users = gate.from.filter((f) => !f.includes("/")).map((f) => `@${f.replace(/^@/, "")}`);
  const parts = [
    ...(teams.length > 0 ? [`membership of ${teams.join(" or ")}`] : []),
    ...(users.length > 0 ? [`being ${users.join(" or ")}`] : []),
  ];
  return `write permission and ${parts.join(" or ")}`;
}

/**
 * Why a user's `/agents approve|reject` did not count, from the verdict's reason, e.g.
 * "@bob: approving `prod-approval` needs write permission and membership of @acme/release (@bob has only read access)".
 */
export function notCountedText(
  login: string,
  verb: "approve" | "reject",
  gate: GateSpec,
  reason: string,
  item: "PR" | "issue" = "PR",
): string {
  // Only the user is notified: the teams and users the gate names are shown without pinging them.
  return `@${login}: ${noMentions(why(login, verb, gate, reason, item))}`;
}

function why(
  login: string,
  verb: "approve" | "reject",
  gate: GateSpec,
  reason: string,
  item: string,
): string {
  const doing = `${verb === "approve" ? "approving" : "rejecting"} \`${gate.stepId}\``;
  if (reason === "is the PR author") return `the ${item} author cannot count for ${doing}.`;
  if (reason === "pushed the last commit") return `the last pusher cannot count for ${doing}.`;
  if (reason === "is a bot") return `bots cannot count for ${doing}.`;
  if (reason.includes("before the gate started waiting"))
    return `\`${gate.stepId}\` was not waiting yet when you ${verb === "approve" ? "approved" : "rejected"} it: say it again now.`;
  return `${doing} needs ${requirement(gate)} (@${login} ${reason}).`;
}

/**
 * How a cancelled run ended, without pinging anyone: "the run was cancelled by @​alice (the pull request was
 * closed)", "the run was cancelled (superseded by abc1234)".
 */
export function cancelledText(reason: string | null): string {
  if (!reason) return "the run was cancelled";
  const by = /^cancelled by (@\S+): (.+)$/s.exec(reason);
  return noMentions(
    by ? `the run was cancelled by ${by[1]} (${by[2]})` : `the run was cancelled (${reason})`,
  );
}

/**
 * Why a gate a command names cannot be acted on: it is not waiting, e.g. "@bob: `prod-approval` is not waiting
 * for approval (it is succeeded)." or, in a cancelled run, "… is not waiting for approval: the run was cancelled …".
 */
export function notWaitingText(login: string, run: RunState, stepId: string): string {
  const gate = `@${login}: \`${stepId}\` is not waiting for approval`;
  if (run.status === "cancelled") return `${gate}: ${cancelledText(run.reason)}.`;
  return `${gate} (it is ${run.steps.get(stepId)?.status ?? "unknown"}).`;
}

/** No step named and none waits: "@bob: no approval gate is waiting.", saying how when every run was cancelled. */
export function nothingWaitsText(login: string, runs: readonly RunState[]): string {
  const [newest] = runs;
  if (newest && runs.every((r) => r.status === "cancelled"))
    return `@${login}: no approval gate is waiting: ${cancelledText(newest.reason)}.`;
  return `@${login}: no approval gate is waiting.`;
}

/**
 * Why an approve or reject that was recorded could not be evaluated: the PR was closed without merging, or its
 * head moved on (the new head's run has gates of its own).
 */
export function unevaluableText(
  login: string,
  verb: "approve" | "reject",
  stepId: string,
  runHeadSha: string,
  why: Unevaluable,
): string {
  const done = verb === "approve" ? "approved" : "rejected";
  if (why.why === "closed")
    return `@${login}: \`${stepId}\` cannot be ${done}: the pull request was closed without merging.`;
  const now = why.headSha.slice(0, 7);
  return `@${login}: \`${stepId}\` was not ${done}: the pull request moved on from ${runHeadSha.slice(0, 7)} to ${now}; ${verb} again when the gate waits on ${now}.`;
}
