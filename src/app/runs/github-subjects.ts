import type { JobRepo } from "../../core/webhooks/webhook-job.js";
import type { AppServices } from "../services.js";

/** A pull request as GitHub reports it now (deliveries can be late: this, not the payload, is acted on). */
export interface PullRequestView {
  readonly number: number;
  readonly state: "open" | "closed";
  readonly merged: boolean;
  readonly draft: boolean;
  readonly headSha: string;
  readonly headRef: string;
  readonly baseRef: string;
  readonly author: string;
  readonly labels: readonly string[];
  readonly title: string;
  readonly body: string;
}

/** An issue as GitHub reports it now. */
export interface IssueView {
  readonly number: number;
  readonly state: "open" | "closed";
  readonly author: string;
  readonly labels: readonly string[];
  readonly title: string;
  readonly body: string;
}

type Labels = readonly (string | { readonly name?: string })[];

function labelNames(labels: Labels | undefined): string[] {
  return (labels ?? []).flatMap((l) => {
    const name = typeof l === "string" ? l : l.name;
    return name ? [name] : [];
  });
}

/** PRs read in the last few seconds, per app: a gate evaluated right after its run started reuses the read. */
const recentPulls = new WeakMap<
  AppServices,
  Map<string, { readonly at: number; readonly view: PullRequestView }>
>();
const RECENT_MS = 5000;

/**
 * The PR as read from the API at most `maxAgeMs` ago, once: a gate that starts waiting right after its run was
 * created reuses the read that created it; every later evaluation reads the PR again.
 */
export function recentPullRequest(
  s: AppServices,
  repo: Pick<JobRepo, "owner" | "name">,
  number: number,
  maxAgeMs = RECENT_MS,
): PullRequestView | null {
  const key = `${repo.owner}/${repo.name}#${number}`;
  const hit = recentPulls.get(s)?.get(key);
  recentPulls.get(s)?.delete(key);
  return hit && s.now() - hit.at <= maxAgeMs ? hit.view : null;
}

/** GET /repos/{owner}/{repo}/pulls/{n}. */
export async function fetchPullRequest(
  s: AppServices,
  repo: Pick<JobRepo, "installationId" | "owner" | "name">,
  number: number,
): Promise<PullRequestView> {
  const view = await readPullRequest(s, repo, number);
  const recent = recentPulls.get(s) ?? new Map();
  recentPulls.set(s, recent);
  recent.set(`${repo.owner}/${repo.name}#${number}`, { at: s.now(), view });
  return view;
}

async function readPullRequest(
  s: AppServices,
  repo: Pick<JobRepo, "installationId" | "owner" | "name">,
  number: number,
): Promise<PullRequestView> {
  const octokit = await s.octokit(repo.installationId);
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
    owner: repo.owner,
    repo: repo.name,
    pull_number: number,
  });
  return {
    number,
    state: data.state === "open" ? "open" : "closed",
    merged: data.merged === true,
    draft: data.draft === true,
    headSha: data.head.sha,
    headRef: data.head.ref,
    baseRef: data.base.ref,
    author: data.user?.login ?? "",
    labels: labelNames(data.labels),
    title: data.title,
    body: data.body ?? "",
  };
}

/** GET /repos/{owner}/{repo}/issues/{n}. */
export async function fetchIssue(s: AppServices, repo: JobRepo, number: number): Promise<IssueView> {
  const octokit = await s.octokit(repo.installationId);
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/issues/{issue_number}", {
    owner: repo.owner,
    repo: repo.name,
    issue_number: number,
  });
  return {
    number,
    state: data.state === "open" ? "open" : "closed",
    author: data.user?.login ?? "",
    labels: labelNames(data.labels as Labels),
    title: data.title,
    body: data.body ?? "",
  };
}
