/**
 * Writes that create content GitHub notifies people about, which count against the secondary limit of 80
 * content-creating requests per minute (and 500 per hour): comments, reviews and review comments, issues, pull
 * requests, releases, deployments and their statuses, commit comments; reactions to comments are counted too, to be
 * safe. Check runs, commit statuses and merges (a PUT) are not counted; like every write they are still spaced a
 * second apart.
 */
const CONTENT_ROUTES = [
  "/repos/{owner}/{repo}/issues",
  "/repos/{owner}/{repo}/issues/{issue_number}/comments",
  "/repos/{owner}/{repo}/pulls",
  "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
  "/repos/{owner}/{repo}/pulls/{pull_number}/comments",
  "/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies",
  "/repos/{owner}/{repo}/commits/{commit_sha}/comments",
  "/repos/{owner}/{repo}/releases",
  "/repos/{owner}/{repo}/deployments",
  "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
  "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
  "/repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions",
];

// One regex for templates and expanded paths alike: a `{param}` segment matches any one segment, `{owner}` included.
const CONTENT_PATTERN = new RegExp(
  `^(?:${CONTENT_ROUTES.map((route) => route.replace(/\{[^}]+\}/g, "[^/]+")).join("|")})/?$`,
  "i",
);

/** Whether a request creates content (see the list above); only POSTs do. */
export function isContentCreating(method: string, path: string): boolean {
  return method === "POST" && CONTENT_PATTERN.test(path.split("?")[0] ?? "");
}
