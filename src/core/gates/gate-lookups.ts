import { ownersOf } from "./codeowners.js";
import { loginKey } from "./gate-eligibility.js";
import { commandTargets, type GateFacts, type GateSpec, reviewsFor } from "./gate-facts.js";

/** What the adapter must look up before `evaluateGate`, so it asks GitHub only about people who matter. */
export interface GateLookups {
  /** Logins whose repository permission is needed (reviewers with a decision, commenters for this gate). */
  readonly users: readonly string[];
  /** `org/slug` of every team the gate's `from` or the changed files' CODEOWNERS rules name. */
  readonly teams: readonly string[];
}

type Known = Pick<
  GateFacts,
  "author" | "lastPusher" | "reviews" | "commands" | "onlyWaitingGate" | "changedFiles" | "codeowners"
>;

/**
 * The permissions and team memberships `evaluateGate` will read, from the facts that cost nothing more to know.
 * Bots, the author and the last pusher are left out: they can never approve, whatever their permission.
 *
 * @example gateLookups(gate, facts) // { users: ["octocat"], teams: ["acme/maintainers"] }
 */
export function gateLookups(gate: GateSpec, known: Known): GateLookups {
  const never = new Set([known.author, known.lastPusher ?? ""].map(loginKey));
  const users = new Map<string, string>();
  const add = (login: string, bot: boolean) => {
    const key = loginKey(login);
    if (!bot && !key.endsWith("[bot]") && !never.has(key) && !users.has(key)) users.set(key, login);
  };
  for (const r of reviewsFor(gate, known.reviews))
    if (r.state === "APPROVED" || r.state === "CHANGES_REQUESTED") add(r.login, r.bot);
  for (const c of known.commands) if (commandTargets(c, gate, known.onlyWaitingGate)) add(c.login, c.bot);

  const teams = new Map<string, string>();
  const addTeam = (name: string) => {
    const team = name.replace(/^@/, "");
    if (!teams.has(loginKey(team))) teams.set(loginKey(team), team);
  };
  if (Array.isArray(gate.from)) for (const f of gate.from) if (f.includes("/")) addTeam(f);
  if (gate.from === "codeowners" && known.codeowners) {
    for (const path of known.changedFiles) {
      for (const o of ownersOf(known.codeowners, path)) if (o.kind === "team") addTeam(`${o.org}/${o.slug}`);
    }
  }
  return Object.freeze({ users: [...users.values()], teams: [...teams.values()] });
}
