import type { RepoPermission } from "../../core/gates/gate-facts.js";
import { httpStatus } from "../../github/request-error.js";
import type { AppServices } from "../services.js";
import { TtlCache } from "./ttl-cache.js";

/** Where a permission is asked about: the installation's client reads the repository. */
export interface RepoRef {
  readonly installationId: number;
  readonly owner: string;
  readonly name: string;
}

interface Caches {
  readonly permissions: TtlCache<RepoPermission>;
  readonly members: TtlCache<boolean>;
}

// One cache per running app (tests boot several), dropped with it.
const perApp = new WeakMap<AppServices, Caches>();

function caches(s: AppServices): Caches {
  let c = perApp.get(s);
  if (!c) {
    c = {
      permissions: new TtlCache(s.tuning.permissionCacheMs, s.now),
      members: new TtlCache(s.tuning.permissionCacheMs, s.now),
    };
    perApp.set(s, c);
  }
  return c;
}

const ROLES: ReadonlySet<string> = new Set(["admin", "maintain", "write", "triage", "read"]);

/**
 * `role_name` is admin, maintain, write, triage or read, or a custom role's name; a custom role counts as the
 * base permission GitHub reports beside it (`permission`: admin, write, read or none).
 */
function toPermission(data: { role_name?: unknown; permission?: unknown }): RepoPermission {
  const role = typeof data.role_name === "string" ? data.role_name.toLowerCase() : "";
  if (ROLES.has(role)) return role as RepoPermission;
  const base = typeof data.permission === "string" ? data.permission.toLowerCase() : "";
  return ROLES.has(base) ? (base as RepoPermission) : "none";
}

/**
 * A user's permission on the repository, from the collaborators API at action time (`none` when GitHub answers
 * 404: not a collaborator), reused for `tuning.permissionCacheMs` per installation, repository and login.
 */
export function repoPermission(s: AppServices, repo: RepoRef, login: string): Promise<RepoPermission> {
  const key = `${repo.installationId}:${repo.owner}/${repo.name}:${login}`.toLowerCase();
  return caches(s).permissions.get(key, async () => {
    const octokit = await s.octokit(repo.installationId);
    try {
      const { data } = await octokit.request(
        "GET /repos/{owner}/{repo}/collaborators/{username}/permission",
        { owner: repo.owner, repo: repo.name, username: login },
      );
      return toPermission(data as { role_name?: unknown; permission?: unknown });
    } catch (err) {
      if (httpStatus(err) === 404) return "none";
      throw err;
    }
  });
}

/**
 * Whether `login` is an active member of the team `org/slug` (`@` optional), reused like permissions. 404 means
 * not a member; 403 (the app lacks the organization's members permission) counts as not a member, logged, so the
 * gate fails closed with a reason instead of erroring.
 */
export function isTeamMember(
  s: AppServices,
  installationId: number,
  team: string,
  login: string,
): Promise<boolean> {
  const [org = "", slug = ""] = team.replace(/^@/, "").split("/");
  const key = `${installationId}:${org}/${slug}:${login}`.toLowerCase();
  return caches(s).members.get(key, async () => {
    const octokit = await s.octokit(installationId);
    try {
      const { data } = await octokit.request("GET /orgs/{org}/teams/{team_slug}/memberships/{username}", {
        org,
        team_slug: slug,
        username: login,
      });
      return (data as { state?: unknown }).state === "active";
    } catch (err) {
      const status = httpStatus(err);
      if (status === 404) return false;
      if (status === 403) {
        s.log.warn(
          { team: `${org}/${slug}`, installationId },
          "cannot read team membership (does the app have the organization's members permission?): counted as not a member",
        );
        return false;
      }
      throw err;
    }
  });
}

/** Write, maintain or admin: what `run`, `retry`, `cancel` and any approval need. */
export function canWrite(p: RepoPermission): boolean {
  return p === "admin" || p === "maintain" || p === "write";
}

/** What `skip` needs. */
export function canMaintain(p: RepoPermission): boolean {
  return p === "admin" || p === "maintain";
}
