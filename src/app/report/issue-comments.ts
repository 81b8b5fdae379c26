import type { ReportContext } from "./report-context.js";

/** An issue comment as GitHub returns it (the fields used here). */
export interface PostedComment {
  readonly id: number;
  readonly body?: string | null;
}

/** POST /repos/{owner}/{repo}/issues/{n}/comments on the run's PR or issue. */
export async function createComment(c: ReportContext, body: string): Promise<PostedComment> {
  const response = await c.octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
    owner: c.owner,
    repo: c.repo,
    issue_number: c.run.facts.number as number,
    body,
  });
  return response.data as PostedComment;
}

export async function updateComment(c: ReportContext, id: string, body: string): Promise<void> {
  await c.octokit.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", {
    owner: c.owner,
    repo: c.repo,
    comment_id: Number(id),
    body,
  });
}

/** The comment carrying `marker` that this app wrote on the run's PR or issue, if any. */
export async function findComment(c: ReportContext, marker: string): Promise<PostedComment | null> {
  const comments = (await c.octokit.paginate("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
    owner: c.owner,
    repo: c.repo,
    issue_number: c.run.facts.number as number,
    per_page: 100,
  })) as {
    id: number;
    body?: string | null;
    user?: { type?: string } | null;
    performed_via_github_app?: { id?: number } | null;
  }[];
  // Anyone can type a marker: only the app's own comments count.
  const ours = (x: (typeof comments)[number]) =>
    x.performed_via_github_app?.id === c.s.appId || x.user?.type === "Bot";
  return comments.find((x) => ours(x) && (x.body ?? "").includes(marker)) ?? null;
}
