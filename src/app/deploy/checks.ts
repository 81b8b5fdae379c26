import type { CheckRunLike, CommitStatusLike } from "../../core/gates/checks-verdict.js";
import type { RunState } from "../../core/run/run-state.js";
import type { AppServices, Octokit } from "../services.js";

/**
 * The check runs (latest of each name per check suite, with the app that reported each) and commit statuses
 * (latest per context) of a commit.
 */
export async function readCommitChecks(
  octokit: Octokit,
  repo: { readonly owner: string; readonly repo: string },
  sha: string,
): Promise<[CheckRunLike[], CommitStatusLike[]]> {
  const [runs, combined] = await Promise.all([
    octokit.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
      ...repo,
      ref: sha,
      per_page: 100,
    }),
    octokit.request("GET /repos/{owner}/{repo}/commits/{ref}/status", { ...repo, ref: sha }),
  ]);
  return [
    runs.data.check_runs.map((c) => ({
      name: c.name,
      status: c.status,
      conclusion: c.conclusion ?? null,
      appId: c.app?.id ?? null,
      id: Number(c.id),
    })),
    combined.data.statuses.map((st) => ({ context: st.context, state: st.state })),
  ];
}

/** `readCommitChecks` for a run's repository. */
export async function readChecks(
  s: AppServices,
  run: RunState,
  sha: string,
): Promise<[CheckRunLike[], CommitStatusLike[]]> {
  const gh = run.facts.github;
  if (!gh) throw new Error(`run ${run.id} was not started from GitHub`);
  return readCommitChecks(await s.octokitFor(run), { owner: gh.owner, repo: gh.name }, sha);
}
