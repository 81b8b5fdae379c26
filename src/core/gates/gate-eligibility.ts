import { type CodeOwner, ownersOf } from "./codeowners.js";
import type { GateFacts, GateSpec, RepoPermission } from "./gate-facts.js";

/** GitHub logins and team slugs compare without case; `@org/team` and `org/team` name the same team. */
export function loginKey(login: string): string {
  return login.replace(/^@/, "").toLowerCase();
}

// Read and triage users can submit APPROVED reviews on GitHub; Atlantis counting them is a known complaint.
const MAY_APPROVE: ReadonlySet<RepoPermission> = new Set(["admin", "maintain", "write"]);

/** A changed file and the owners CODEOWNERS gives it (never empty: unowned files need no approval). */
export interface OwnedFile {
  readonly path: string;
  readonly owners: readonly CodeOwner[];
}

/** Who the gate lets approve, decided once per evaluation. */
export interface Audience {
  /** For the summary: `@acme/maintainers or @octocat`, `code owners`, `anyone with write access`. */
  readonly describe: string;
  /** Files that need a code owner's approval (`from: codeowners` only). */
  readonly owned: readonly OwnedFile[];
  /** Null when `login` belongs to the audience, else why not. */
  readonly whyNot: (login: string) => string | null;
}

function members(facts: GateFacts, team: string): ReadonlySet<string> {
  const key = loginKey(team);
  for (const [name, logins] of Object.entries(facts.teams)) {
    if (loginKey(name) === key) return new Set(logins.map(loginKey));
  }
  // A team the adapter could not list has no members we can trust: fail closed.
  return new Set();
}

/** Does `login` count as this owner (the user, or a member of the team)? Emails never match: see codeowners.ts. */
export function isOwner(owner: CodeOwner, login: string, facts: GateFacts): boolean {
  if (owner.kind === "user") return loginKey(owner.login) === loginKey(login);
  if (owner.kind === "team") return members(facts, `${owner.org}/${owner.slug}`).has(loginKey(login));
  return false;
}

function listAudience(from: readonly string[], facts: GateFacts): Audience {
  const users = new Set(from.filter((f) => !f.includes("/")).map(loginKey));
  const teams = from.filter((f) => f.includes("/"));
  const describe = from.map((f) => `@${f.replace(/^@/, "")}`).join(" or ");
  return {
    describe,
    owned: [],
    whyNot: (login) =>
      users.has(loginKey(login)) || teams.some((t) => members(facts, t).has(loginKey(login)))
        ? null
        : `is not ${describe}`,
  };
}

function codeownersAudience(facts: GateFacts): Audience {
  const file = facts.codeowners;
  const owned = file
    ? facts.changedFiles.flatMap((path) => {
        const owners = ownersOf(file, path);
        return owners.length > 0 ? [{ path, owners }] : [];
      })
    : [];
  // With no owned file changed, coverage holds already and the gate is a plain approval by anyone with write.
  if (owned.length === 0) return { describe: "anyone with write access", owned, whyNot: () => null };
  return {
    describe: "code owners",
    owned,
    whyNot: (login) =>
      owned.some((f) => f.owners.some((o) => isOwner(o, login, facts)))
        ? null
        : "owns none of the changed files",
  };
}

/** Who may approve this gate, before identity and permission checks. */
export function audience(gate: GateSpec, facts: GateFacts): Audience {
  if (gate.from === "codeowners") return codeownersAudience(facts);
  if (gate.from && gate.from.length > 0) return listAudience(gate.from, facts);
  return { describe: "anyone with write access", owned: [], whyNot: () => null };
}

function permission(facts: GateFacts, login: string): RepoPermission {
  const key = loginKey(login);
  for (const [name, p] of Object.entries(facts.permissions)) if (loginKey(name) === key) return p;
  return "none";
}

/**
 * Null when `login` may approve, reject or block this gate, else why not. Checked in a fixed order so the
 * reason shown is stable: bot, author, last pusher, permission, then the gate's `from`.
 */
export function whyIneligible(login: string, bot: boolean, facts: GateFacts, who: Audience): string | null {
  const key = loginKey(login);
  if (bot || key.endsWith("[bot]")) return "is a bot";
  if (key === loginKey(facts.author)) return "is the PR author";
  if (facts.lastPusher !== null && key === loginKey(facts.lastPusher)) return "pushed the last commit";
  const p = permission(facts, login);
  if (!MAY_APPROVE.has(p)) return p === "none" ? "has no access to the repository" : `has only ${p} access`;
  return who.whyNot(login);
}

/** Owned files none of `approvers` owns, in the order they changed. */
export function uncoveredFiles(who: Audience, approvers: readonly string[], facts: GateFacts): string[] {
  return who.owned
    .filter((f) => !approvers.some((a) => f.owners.some((o) => isOwner(o, a, facts))))
    .map((f) => f.path);
}
