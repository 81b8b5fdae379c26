import { OVERALL_CHECK_NAME, overallCheckRun } from "../../core/present/overall-check-run.js";
import type { RunState } from "../../core/run/run-state.js";
import type { JobRepo } from "../../core/webhooks/webhook-job.js";
import { GitHubWriteUncertainError } from "../../github/errors.js";
import type { AppServices, Octokit } from "../services.js";

/** Commits of a merge group whose PRs are looked up (the queue groups a handful of PRs at most). */
const MAX_COMMITS = 20;

/** The PR numbers in a merge group: `pr-<n>` in its head ref, and the PRs of its commits. */
export async function groupPulls(
  octokit: Octokit,
  repo: JobRepo,
  group: { readonly headRef: string; readonly baseSha: string; readonly headSha: string },
): Promise<number[]> {
  const numbers = new Set<number>();
  for (const m of group.headRef.matchAll(/(?:^|\/)pr-(\d+)(?=-|$)/g)) numbers.add(Number(m[1]));
  const r = { owner: repo.owner, repo: repo.name };
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/compare/{basehead}", {
    ...r,
    basehead: `${group.baseSha}...${group.headSha}`,
  });
  for (const commit of data.commits.slice(-MAX_COMMITS)) {
    const pulls = await octokit.request("GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls", {
      ...r,
      commit_sha: commit.sha,
    });
    for (const pr of pulls.data) numbers.add(pr.number);
  }
  return [...numbers].sort((a, b) => a - b);
}

/** The runs of a PR's newest head SHA (one per workflow), newest first. */
async function currentRuns(s: AppServices, repo: string, number: number): Promise<RunState[]> {
  const runs: RunState[] = [];
  for (const id of await s.github.runIdsFor(repo, number)) {
    const run = await s.store.loadRun(id);
    if (!run) continue;
    if (runs.length > 0 && run.facts.headSha !== runs[0]?.facts.headSha) break;
    if (!runs.some((r) => r.plan.workflowId === run.plan.workflowId)) runs.push(run);
  }
  return runs;
}

/** Whether each PR has a passing `agents` run for its head: the reason names those that don't. */
export async function groupVerdict(
  s: AppServices,
  repo: string,
  numbers: readonly number[],
): Promise<{ readonly ok: boolean; readonly summary: string }> {
  if (numbers.length === 0) return { ok: false, summary: "No pull request found in this merge group." };
  const lines: string[] = [];
  let ok = true;
  for (const n of numbers) {
    const runs = await currentRuns(s, repo, n);
    if (runs.length === 0) {
      ok = false;
      lines.push(`- #${n}: no phasegate run`);
      continue;
    }
    const failing = runs
      .map((run) => ({ run, view: overallCheckRun(run) }))
      .filter(({ view }) => view.conclusion !== "success");
    if (failing.length > 0) ok = false;
    const sha = runs[0]?.facts.headSha.slice(0, 7) ?? "";
    lines.push(
      failing.length === 0
        ? `- #${n}: \`${OVERALL_CHECK_NAME}\` passed on ${sha}`
        : `- #${n}: ${failing.map(({ run, view }) => `${run.plan.name}: ${view.output.title}`).join("; ")} (on ${sha})`,
    );
  }
  return { ok, summary: lines.join("\n") };
}

/** Posts the completed `agents` check on the merge group's head SHA (found first if a POST's answer was lost). */
export async function postGroupCheck(
  octokit: Octokit,
  repo: JobRepo,
  headSha: string,
  verdict: { readonly ok: boolean; readonly title: string; readonly summary: string },
): Promise<void> {
  const r = { owner: repo.owner, repo: repo.name };
  const body = {
    ...r,
    name: OVERALL_CHECK_NAME,
    head_sha: headSha,
    status: "completed" as const,
    conclusion: verdict.ok ? ("success" as const) : ("failure" as const),
    output: { title: verdict.title, summary: verdict.summary },
  };
  try {
    await octokit.request("POST /repos/{owner}/{repo}/check-runs", body);
  } catch (err) {
    if (!(err instanceof GitHubWriteUncertainError)) throw err;
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
      ...r,
      ref: headSha,
      check_name: OVERALL_CHECK_NAME,
    });
    if (data.total_count === 0) await octokit.request("POST /repos/{owner}/{repo}/check-runs", body);
  }
}
