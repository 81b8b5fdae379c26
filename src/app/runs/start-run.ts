import { randomUUID } from "node:crypto";
import type { FileDiff } from "../../core/diff.js";
import type { RunPlan } from "../../core/plan.js";
import { newRunState, type RunFacts, type RunState } from "../../core/run-state.js";
import type { JobRepo } from "../../core/webhook-job.js";
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

/**
 * Who pushed `sha` as far as we know: a run on that SHA remembers it; else the PR author (who never approves
 * anyway). Used for actions whose sender is not the pusher (labeled, ready_for_review, re-runs).
 */
export function knownPusher(runs: readonly RunState[], sha: string, author: string): string | null {
  const earlier = runs.find((r) => r.facts.headSha === sha && r.facts.github?.lastPusher);
  return earlier?.facts.github?.lastPusher ?? (author || null);
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
