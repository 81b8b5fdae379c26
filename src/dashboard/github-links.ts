/** Where GitHub's web pages are: `https://github.com`, or `${GHE_PROTOCOL}://${GHE_HOST}` on GitHub Enterprise. */
export function githubWebBase(env: NodeJS.ProcessEnv): string {
  const host = env.GHE_HOST?.trim();
  if (!host) return "https://github.com";
  const protocol = env.GHE_PROTOCOL?.trim() || "https";
  return `${protocol}://${host}`;
}

/** A link to a thing the run made on GitHub, from its effects-ledger key and id. */
export interface GitHubLink {
  readonly label: string;
  readonly href: string;
  /** `pr`, `check`, `review` or `comment`: the CSS class names it (`a.check-link`). */
  readonly kind: "pr" | "check" | "review" | "comment";
}

/**
 * The run's PR (or issue), its check runs, reviews and comments, from the effects the app recorded
 * (`check:<name>`, `review:<phase>`, `comment:<…>`, `status-comment`). Only effects GitHub confirmed (an id).
 */
export function githubLinks(
  base: string,
  repo: string,
  number: number | null,
  source: string,
  effects: ReadonlyMap<string, { readonly githubId: string | null }>,
): GitHubLink[] {
  const links: GitHubLink[] = [];
  const page = source === "issue" ? "issues" : "pull";
  if (number !== null)
    links.push({ kind: "pr", label: `${repo}#${number}`, href: `${base}/${repo}/${page}/${number}` });
  for (const [key, effect] of effects) {
    const id = effect.githubId;
    if (!id || !/^\d+$/.test(id)) continue;
    if (key.startsWith("check:"))
      links.push({ kind: "check", label: key.slice(6), href: `${base}/${repo}/runs/${id}` });
    else if (key.startsWith("review:") && number !== null)
      links.push({
        kind: "review",
        label: `PR review (${key.slice(7)})`,
        href: `${base}/${repo}/pull/${number}#pullrequestreview-${id}`,
      });
    else if ((key.startsWith("comment:") || key === "status-comment") && number !== null)
      links.push({
        kind: "comment",
        label: key === "status-comment" ? "status comment" : `comment ${key.slice(8)}`,
        href: `${base}/${repo}/${page}/${number}#issuecomment-${id}`,
      });
  }
  return links;
}
