import { randomUUID } from "node:crypto";
import type { FileDiff } from "../../core/diff/diff.js";
import type { RunPlan } from "../../core/run/plan.js";
import { newRunState, type RunFacts, type RunState } from "../../core/run/run-state.js";
import type { JobRepo } from "../../core/webhooks/webhook-job.js";
import type { AppServices } from "../services.js";
import type { IssueView, PullRequestView } from "./github-subjects.js";
import { changedPaths } from "./pr-files.js";

/** The facts of a PR run on its current head. */
export function pullRequestFacts(
  repo: JobRepo,
  pr: PullRequestView,
  files: readonly FileDiff[],
  lastPusher: string | null,
): RunFacts {
  return {
    source: "pull_request",
    repo: repo.fullName,
    number: pr.number,
    headSha: pr.headSha,
    baseRef: pr.baseRef,
    author: pr.author || null,
    labels: pr.labels,
    changedFiles: changedPaths(files),
    additions: files.reduce((n, f) => n + f.additions, 0),
    deletions: files.reduce((n, f) => n + f.deletions, 0),
    title: pr.title,
    github: {
      installationId: repo.installationId,
      owner: repo.owner,
      name: repo.name,
      defaultBranch: repo.defaultBranch,
      lastPusher,
      body: pr.body,
      headRef: pr.headRef,
      draft: pr.draft,
    },
  };
}

/** The facts of an issue run: no SHA, no files. */
export function issueFacts(repo: JobRepo, issue: IssueView): RunFacts {
  return {
    source: "issue",
    repo: repo.fullName,
    number: issue.number,
    headSha: "",
    baseRef: null,
    author: issue.author || null,
    labels: issue.labels,
    changedFiles: [],
    title: issue.title,
    github: {
      installationId: repo.installationId,
      owner: repo.owner,
      name: repo.name,
      defaultBranch: repo.defaultBranch,
      lastPusher: null,
      body: issue.body,
      headRef: null,
      draft: false,
    },
  };
}

/** The effects-ledger subject naming who pushed a PR's head SHA (no run: a push may start none). */
function pushSubject(repo: string, number: number, sha: string): string {
  return `pr:${repo}#${number}@${sha}`;
}

/**
 * Records `sender` as the pusher of the PR's `sha` unless one is on record: the first push event
 * (`opened`, `reopened`, `synchronize`) of a SHA names its pusher, whether or not a run starts.
 */
export async function recordPusher(
  s: AppServices,
  repo: string,
  number: number,
  sha: string,
  sender: string,
): Promise<void> {
  if (!sha || !sender) return;
  const subject = pushSubject(repo, number, sha);
  if (await s.github.effect(subject, "pusher")) return;
  await s.github.putEffect(subject, "pusher", { state: "done", githubId: sender, data: null }, s.now());
}

/**
 * Who pushed the PR's head SHA (never an approver of it): the ledger's record of its push event; else the one a
 * run on that SHA knew; else (the app missed the push) fail closed on the commit itself: its committer's login,
 * or its author's when GitHub's web UI committed it or the committer has no account; else the PR author.
 */
export async function knownPusher(
  s: AppServices,
  repo: JobRepo,
  pr: Pick<PullRequestView, "number" | "headSha" | "author">,
  runs: readonly RunState[],
): Promise<string | null> {
  const recorded = await s.github.effect(pushSubject(repo.fullName, pr.number, pr.headSha), "pusher");
  if (recorded?.githubId) return recorded.githubId;
  const earlier = runs.find((r) => r.facts.headSha === pr.headSha && r.facts.github?.lastPusher);
  if (earlier?.facts.github?.lastPusher) return earlier.facts.github.lastPusher;
  const octokit = await s.octokit(repo.installationId);
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/commits/{ref}", {
    owner: repo.owner,
    repo: repo.name,
    ref: pr.headSha,
  });
  const committer = data.committer?.login;
  const login = (committer && committer !== "web-flow" ? committer : null) ?? data.author?.login ?? null;
  s.log.info(
    { repo: repo.fullName, number: pr.number, sha: pr.headSha, pusher: login },
    "pusher of the head not on record: taking the commit's committer",
  );
  return login || pr.author || null;
}

/**
 * Stores and starts a run, and audits who started it and why (`reason` null: the caller audits, as the
 * slash-command module does for `/agents run`).
 */
export async function startRun(
  s: AppServices,
  plan: RunPlan,
  facts: RunFacts,
  actor: string,
  reason: string | null,
): Promise<RunState> {
  const run = newRunState({ id: randomUUID(), plan, facts, createdAt: s.now() });
  await s.engine.createRun(run);
  if (reason !== null)
    await s.store.appendAudit({
      runId: run.id,
      at: s.now(),
      actor,
      action: "run",
      stepId: null,
      sha: facts.headSha || null,
      reason,
    });
  s.log.info(
    { runId: run.id, repo: facts.repo, number: facts.number, workflow: plan.workflowId, sha: facts.headSha },
    "run started",
  );
  return run;
}
