import type { RunState } from "../../core/run/run-state.js";
import {
  issueWorkflowsToStart,
  type StartAction,
  workflowsToStart,
  workflowsUnlabeled,
} from "../../core/webhooks/pr-trigger.js";
import type { JobRepo } from "../../core/webhooks/webhook-job.js";
import { WORKFLOW_FILE } from "../../core/workflow/parse-workflow.js";
import { addressOnPush } from "../findings/on-push.js";
import { readReactionsOnce } from "../findings/reactions.js";
import { repoKey } from "../runs/command.js";
import { loadWorkflowConfig } from "../runs/config.js";
import { invalidConfigCheck, postConfigCheck } from "../runs/config-check.js";
import { fetchIssue, fetchPullRequest, type PullRequestView } from "../runs/github-subjects.js";
import { cancelRuns, isOpen, runsOf, supersedeRuns } from "../runs/open-runs.js";
import { chooseWorkflow } from "../runs/plan-for.js";
import { changedPaths, forgetPrFilesAt, prFilesAt } from "../runs/pr-files.js";
import { issueFacts, knownPusher, pullRequestFacts, recordPusher, startRun } from "../runs/start-run.js";
import { checkEditedWorkflowFile } from "../runs/workflow-file-edit.js";
import type { AppServices } from "../services.js";
import type { HandlerOf } from "./job-types.js";

/** Actions whose sender pushed the head SHA (and so never counts as an approver of it). */
const PUSH_ACTIONS = new Set(["opened", "reopened", "synchronize"]);

/** Never a second open run for the same (subject, head SHA, workflow): `opened` and `labeled` arrive together. */
function hasOpenRun(runs: readonly RunState[], workflowId: string, sha: string): boolean {
  return runs.some((r) => isOpen(r) && r.plan.workflowId === workflowId && r.facts.headSha === sha);
}

/**
 * `pull_request`: acts on the PR as the API reports it NOW (deliveries can be late or out of order).
 * 0. opened / reopened / synchronize: the sender is recorded as the pusher of the payload's head SHA (if none
 *    is yet), whether or not a run starts, so a later run of that SHA never lets them approve it.
 * 1. closed: unmerged cancels open runs; merged leaves them (deploy steps may still run); either way 👍/👎 on
 *    the app's inline comments are read, once.
 * 2. the default branch's workflow file; none: silent. Then the PR and its files, read together.
 * 3. unlabeled: cancels workflows whose last trigger label went.
 * 4. older head SHAs' open runs are superseded; on `synchronize`, findings whose flagged code changed are
 *    `addressed` and their threads resolved.
 * 5. a PR editing the workflow file gets the new file validated; an invalid default-branch file fails `agents`.
 * 6. each matching workflow starts a run on the head SHA (never a second open one).
 */
export const handlePullRequest: HandlerOf<"pull_request"> = async (s, job) => {
  const { repo, number } = job;
  if (job.action === "closed") {
    const pr = await fetchPullRequest(s, repo, number);
    if (pr.state === "open") return;
    if (!pr.merged) {
      const open = (await runsOf(s, repo, number)).filter(isOpen);
      await cancelRuns(s, open, job.sender || null, "the pull request was closed");
    }
    await readReactionsOnce(s, repo, number);
    return;
  }
  if (PUSH_ACTIONS.has(job.action)) await recordPusher(s, repo.fullName, number, job.headSha, job.sender);

  const config = await loadWorkflowConfig(s, repo);
  if (config.kind === "none") return;
  // The PR and its files go out together (a reviewer waits for both): the files at the payload's head, reused
  // below while the PR's head is still that one.
  const ahead = { ...repoKey(repo), number, headSha: job.headSha };
  const filesRead = job.action === "unlabeled" ? null : prFilesAt(s, ahead);
  filesRead?.catch(() => {}); // awaited below, or not needed
  const pr = await fetchPullRequest(s, repo, number);
  if (filesRead && pr.headSha !== job.headSha) forgetPrFilesAt(s, ahead, filesRead);
  if (pr.state !== "open") {
    s.log.info(
      { repo: repo.fullName, number, action: job.action },
      "pull request is closed: nothing to start",
    );
    return;
  }
  if (pr.headSha !== job.headSha) {
    s.log.info(
      { repo: repo.fullName, number, payloadSha: job.headSha, headSha: pr.headSha },
      "late delivery: acting on the current head",
    );
  }
  const runs = await runsOf(s, repo, number);

  if (job.action === "unlabeled") {
    if (config.kind !== "valid" || job.label === null) return;
    const removed = job.label.toLowerCase();
    const stopped = new Set(
      workflowsUnlabeled(config.file, pr.labels).filter((id) =>
        config.file.workflows[id]?.on?.pull_request?.labels?.some((l) => l.toLowerCase() === removed),
      ),
    );
    const open = runs.filter((r) => isOpen(r) && stopped.has(r.plan.workflowId));
    await cancelRuns(s, open, job.sender || null, `label "${job.label}" was removed`);
    return;
  }

  // Whatever the file says now, runs of older heads are stale.
  await supersedeRuns(s, runs, pr.headSha, job.sender || "phasegate");
  const files =
    filesRead && pr.headSha === job.headSha
      ? await filesRead
      : await prFilesAt(s, { ...repoKey(repo), number, headSha: pr.headSha });
  if (job.action === "synchronize") await addressOnPush(s, repo, number, files, job.sender);
  await checkEditedWorkflowFile(s, repo, pr.headSha, files);
  if (config.kind === "invalid") {
    s.log.info({ repo: repo.fullName, number, errors: config.errors.length }, `${WORKFLOW_FILE} is invalid`);
    await postConfigCheck(s, repo, pr.headSha, invalidConfigCheck(repo, config.errors));
    return;
  }
  const ids = workflowsToStart(
    config.file,
    job.action as StartAction,
    { baseRef: pr.baseRef, labels: pr.labels, changedFiles: changedPaths(files), draft: pr.draft },
    job.label,
  );
  if (ids.length === 0) return;
  const lastPusher = await knownPusher(s, repo, pr, runs);
  const facts = pullRequestFacts(repo, pr, files, lastPusher);
  for (const id of ids) {
    if (hasOpenRun(runs, id, pr.headSha)) {
      // A late delivery started this SHA's run before its push event named the pusher: the pusher must never
      // approve it, so the run starts again with the pusher on record.
      const stale = runs.filter(
        (r) =>
          isOpen(r) &&
          r.plan.workflowId === id &&
          r.facts.headSha === pr.headSha &&
          r.facts.github?.lastPusher !== lastPusher,
      );
      if (stale.length === 0) continue;
      await cancelRuns(s, stale, null, `restarted: @${lastPusher} pushed ${pr.headSha.slice(0, 7)}`);
    }
    const chosen = chooseWorkflow(s, config.file, id);
    if (chosen) await startRun(s, chosen.plan, facts, job.sender, `pull_request.${job.action}`);
  }
};

/** `issues` opened / labeled: starts each issue workflow whose labels match, once per open run. */
export const handleIssue: HandlerOf<"issue"> = async (s, job) => {
  const { repo, number } = job;
  const config = await loadWorkflowConfig(s, repo);
  if (config.kind === "none") return;
  if (config.kind === "invalid") {
    // No SHA to put a check on: the failing `agents` check appears on the next PR.
    s.log.warn({ repo: repo.fullName, number, errors: config.errors.length }, `${WORKFLOW_FILE} is invalid`);
    return;
  }
  const issue = await fetchIssue(s, repo, number);
  if (issue.state !== "open") return;
  const added =
    job.label !== null && issue.labels.some((l) => l.toLowerCase() === job.label?.toLowerCase())
      ? job.label
      : null;
  const ids = issueWorkflowsToStart(config.file, job.action, issue.labels, added);
  if (ids.length === 0) return;
  const runs = await runsOf(s, repo, number);
  const facts = issueFacts(repo, issue);
  for (const id of ids) {
    if (runs.some((r) => isOpen(r) && r.plan.workflowId === id)) continue;
    const chosen = chooseWorkflow(s, config.file, id);
    if (chosen) await startRun(s, chosen.plan, facts, job.sender, `issues.${job.action}`);
  }
};

/**
 * `check_suite` rerequested on our suite: the workflows that ran on that SHA run again from scratch, if the SHA
 * is still the PR's head; their open runs are cancelled naming who re-ran them.
 */
export const handleCheckSuiteRerequested: HandlerOf<"check_suite_rerequested"> = async (s, job) => {
  const { repo, headSha, sender } = job;
  const onSha = (
    await Promise.all((await s.github.runIdsForSha(repo.fullName, headSha)).map((id) => s.store.loadRun(id)))
  ).filter((r): r is RunState => r !== null && r.facts.source === "pull_request" && r.facts.number !== null);
  const number = onSha[0]?.facts.number;
  if (number === undefined || number === null) {
    s.log.info({ repo: repo.fullName, sha: headSha }, "check suite re-run: no run on this SHA");
    return;
  }
  const config = await loadWorkflowConfig(s, repo);
  const pr = await fetchPullRequest(s, repo, number);
  if (!(await currentHead(s, repo, pr, headSha))) return;
  if (config.kind === "invalid") {
    await postConfigCheck(s, repo, headSha, invalidConfigCheck(repo, config.errors));
    return;
  }
  const workflowIds = [
    ...new Set(onSha.filter((r) => r.facts.number === number).map((r) => r.plan.workflowId)),
  ];
  const reason = `re-run by @${sender}`;
  await cancelRuns(
    s,
    onSha.filter((r) => isOpen(r) && r.facts.number === number),
    sender,
    reason,
  );
  const files = await prFilesAt(s, { ...repoKey(repo), number, headSha });
  const facts = pullRequestFacts(repo, pr, files, await knownPusher(s, repo, pr, onSha));
  const file = config.kind === "valid" ? config.file : null;
  for (const id of workflowIds) {
    const chosen = chooseWorkflow(s, file, id);
    if (!chosen) {
      s.log.info({ repo: repo.fullName, workflow: id }, "check suite re-run: the workflow no longer exists");
      continue;
    }
    await startRun(s, chosen.plan, facts, sender, reason);
  }
};

async function currentHead(
  s: AppServices,
  repo: JobRepo,
  pr: PullRequestView,
  sha: string,
): Promise<boolean> {
  if (pr.state === "open" && pr.headSha === sha) return true;
  s.log.info(
    { repo: repo.fullName, number: pr.number, sha, headSha: pr.headSha, state: pr.state },
    "check suite re-run: the SHA is no longer the open PR's head",
  );
  return false;
}
