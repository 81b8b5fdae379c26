import type { GateSpec } from "../../core/gate-facts.js";
import { noMentions } from "../../core/markdown-escape.js";

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
