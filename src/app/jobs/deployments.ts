import { checksVerdict } from "../../core/gates/checks-verdict.js";
import { deployStepsFor, protectionVerdict } from "../../core/gates/deploy-protection.js";
import { type RunState, TERMINAL_RUN_STATES } from "../../core/run/run-state.js";
import type { Job } from "../../core/webhooks/webhook-job.js";
import { errorMessage } from "../../engine/error-message.js";
import { readCommitChecks } from "../deploy/checks.js";
import { groupPulls, groupVerdict, postGroupCheck } from "../deploy/merge-group.js";
import { answerProtection, settleProtectionRequests } from "../deploy/protection.js";
import { checkNames } from "../executors/merge-deploy.js";
import { inRunOrder } from "../runs/run-order.js";
import type { AppServices } from "../services.js";
import type { HandlerOf } from "./job-types.js";

/**
 * A check run of another app completed, or a commit status changed, on `sha`: every `checks` step (and `tests`
 * step with `with.checks`) of an open run on that SHA waiting for checks looks again, with one read of the
 * commit's checks for all of them.
 */
export const handleChecksChanged: HandlerOf<"checks_changed"> = async (s, job) => {
  const waiting: { run: RunState; stepId: string; names: string[]; agent: boolean }[] = [];
  for (const id of await s.github.runIdsForSha(job.repo.fullName, job.sha)) {
    const run = await s.store.loadRun(id);
    if (!run || TERMINAL_RUN_STATES.has(run.status)) continue;
    for (const p of run.plan.steps) {
      const st = run.steps.get(p.id);
      if (st?.status === "waiting" && st.waitingFor === "checks")
        waiting.push({ run, stepId: p.id, names: checkNames(p.with), agent: p.isAgent });
    }
  }
  if (waiting.length === 0) return;
  const octokit = await s.octokit(job.repo.installationId);
  const [checkRuns, statuses] = await readCommitChecks(
    octokit,
    { owner: job.repo.owner, repo: job.repo.name },
    job.sha,
  );
  for (const { run, stepId, names, agent } of waiting) {
    const verdict = checksVerdict(names, checkRuns, statuses);
    const before = run.steps.get(stepId)?.output;
    // A `tests` step keeps its findings; only the checks' part of its summary changes.
    const agentPart = before?.summary.split("; checks: ")[0];
    const summary = agent ? `${agentPart}; checks: ${verdict.summary}` : verdict.summary;
    const output = { ...before, summary, data: { ...before?.data, checks: verdict.checks } };
    const at = s.now();
    if (verdict.state === "pending") {
      if (before?.summary !== summary)
        await s.engine.submit(run.id, { type: "step-noted", at, stepId, summary, data: output.data });
      continue;
    }
    const ok = verdict.state === "success";
    await s.engine.submit(run.id, {
      type: "step-resolved",
      at,
      stepId,
      ok,
      output,
      ...(ok ? {} : { error: `checks ${verdict.summary}` }),
    });
  }
};

/**
 * A status of a deployment we created: `success` completes the waiting deploy step, `failure` / `error` fail it
 * (a `rollback: true` step is then rolled back by `deploymentsOnChange`). Other states (queued, in_progress,
 * pending, inactive), deployments no step is waiting on (a rollback's own, an older attempt's) and finished
 * steps change nothing.
 */
export const handleDeploymentStatus: HandlerOf<"deployment_status"> = async (s, job) => {
  if (!["success", "failure", "error"].includes(job.state)) return;
  const known = await s.store.loadRun(job.runId);
  if (!known || known.facts.repo !== job.repo.fullName) {
    s.log.debug({ runId: job.runId, deploymentId: job.deploymentId }, "deployment status of an unknown run");
    return;
  }
  // A deploy job can answer before its step has recorded the deployment and parked (on another replica, say):
  // the status is kept, and the step looks for it as it starts waiting (`deploymentsOnChange`).
  await s.github.putEffect(
    known.id,
    `${DEPLOY_STATUS}${job.deploymentId}`,
    { state: "done", githubId: job.state, data: { description: job.description } },
    s.now(),
  );
  // One resolution per status, whichever replica or path gets there first.
  await inRunOrder(s, known.id, () => resolveDeployStep(s, job));
};

/** Ledger key prefix of a deployment's final status, kept until its deploy step waits for it. */
export const DEPLOY_STATUS = "deploy-status:";

/**
 * A deploy step that waits on this job's deployment, and that step's deployment status as a `deployment_status`
 * job if one arrived before the step parked; else null.
 */
export async function earlyDeploymentStatus(
  s: AppServices,
  run: RunState,
  stepId: string,
): Promise<(Job & { type: "deployment_status" }) | null> {
  const gh = run.facts.github;
  const deploymentId = run.steps.get(stepId)?.output?.data?.deploymentId;
  if (!gh || typeof deploymentId !== "number") return null;
  const status = await s.github.effect(run.id, `${DEPLOY_STATUS}${deploymentId}`);
  if (!status?.githubId) return null;
  const description = status.data?.description;
  return {
    type: "deployment_status",
    repo: {
      owner: gh.owner,
      name: gh.name,
      fullName: run.facts.repo,
      installationId: gh.installationId,
      defaultBranch: gh.defaultBranch,
    },
    deploymentId,
    state: status.githubId,
    description: typeof description === "string" ? description : null,
    runId: run.id,
  };
}

async function resolveDeployStep(s: AppServices, job: Job & { type: "deployment_status" }): Promise<void> {
  const run = await s.store.loadRun(job.runId);
  if (!run) return;
  const step = run.plan.steps.find(
    (p) => p.kind === "deploy" && run.steps.get(p.id)?.output?.data?.deploymentId === job.deploymentId,
  );
  const st = step ? run.steps.get(step.id) : undefined;
  if (!step || !st || st.status !== "waiting") {
    s.log.debug(
      { runId: run.id, deploymentId: job.deploymentId, state: job.state },
      "deployment status for no waiting deploy step: ignored",
    );
    return;
  }
  const data: Record<string, unknown> = { ...st.output?.data, state: job.state };
  const fullSha = typeof data.sha === "string" ? data.sha : run.facts.headSha;
  const sha = fullSha.slice(0, 7);
  const environment = String(step.with.environment);
  const at = s.now();
  await s.store.appendAudit({
    runId: run.id,
    at,
    actor: "phasegate",
    action: "deploy",
    stepId: step.id,
    sha: fullSha,
    reason: `deployment #${job.deploymentId} to ${environment}: ${job.state}${job.description ? ` (${job.description})` : ""}`,
  });
  if (job.state === "success") {
    await s.engine.submit(run.id, {
      type: "step-resolved",
      at,
      stepId: step.id,
      ok: true,
      output: { summary: `deployed ${sha} to ${environment} (deployment #${job.deploymentId})`, data },
    });
    return;
  }
  const error = `deployment #${job.deploymentId} to ${environment}: ${job.state}${job.description ? `: ${job.description}` : ""}`;
  await s.engine.submit(run.id, {
    type: "step-resolved",
    at,
    stepId: step.id,
    ok: false,
    error,
    output: {
      summary: `deploy of ${sha} to ${environment} ${job.state === "error" ? "errored" : "failed"}`,
      data,
    },
  });
}

/**
 * A merge queue asks for checks on a merge group: the `agents` check on its head SHA passes only when every PR
 * in the group has a passing `agents` run for its head. Never left pending: any error reports a failure.
 */
export const handleMergeGroup: HandlerOf<"merge_group"> = async (s, job) => {
  const octokit = await s.octokit(job.repo.installationId);
  let verdict: { ok: boolean; title: string; summary: string };
  try {
    const numbers = await groupPulls(octokit, job.repo, job);
    const v = await groupVerdict(s, job.repo.fullName, numbers);
    const list = numbers.map((n) => `#${n}`).join(", ");
    verdict = {
      ok: v.ok,
      title: v.ok
        ? `Every pull request in the group passed (${list})`
        : `Not every pull request passed${list ? ` (${list})` : ""}`,
      summary: v.summary,
    };
  } catch (err) {
    s.log.error({ err, headSha: job.headSha }, "reading a merge group failed");
    verdict = {
      ok: false,
      title: "Could not check the merge group",
      summary: `phasegate could not read the merge group: ${errorMessage(err)}`,
    };
  }
  await postGroupCheck(octokit, job.repo, job.headSha, verdict);
};

/**
 * phasegate as a custom deployment protection rule: approve when the run of that SHA (its head, or its merge
 * commit) passed every step before the deploy step for that environment, reject when one failed, else keep the
 * request and answer it from `deploymentsOnChange` once the gates decide.
 */
export const handleProtectionRule: HandlerOf<"deployment_protection_rule"> = async (s, job) => {
  const repo = job.repo.fullName;
  const ids = [
    ...(await s.github.runIdsForSha(repo, job.sha)),
    ...(await s.github.runIdsByEffect("merge", job.sha)),
  ];
  const runs: RunState[] = [];
  for (const id of new Set(ids)) {
    const run = await s.store.loadRun(id);
    if (run && run.facts.repo === repo) runs.push(run);
  }
  runs.sort((a, b) => b.createdAt - a.createdAt);
  const request = {
    callbackUrl: job.callbackUrl,
    installationId: job.repo.installationId,
    environment: job.environment,
  };
  const sha = job.sha.slice(0, 7);
  const run = runs.find((r) => deployStepsFor(r, job.environment).length > 0);
  if (!run) {
    const comment =
      runs.length === 0
        ? `phasegate has no run for ${sha}, so it cannot approve deploying it to ${job.environment}: open a pull request for it (or comment \`/agents run\` on one) first`
        : `phasegate: no workflow run for ${sha} has a deploy step for environment "${job.environment}"`;
    await answerProtection(s, request, { state: "rejected", comment });
    return;
  }
  const verdict = protectionVerdict(run, job.environment);
  if (verdict.state !== "waiting") {
    await answerProtection(s, request, { state: verdict.state, comment: verdict.comment });
    return;
  }
  await s.github.addProtectionRequest(
    {
      callbackUrl: job.callbackUrl,
      repo,
      installationId: job.repo.installationId,
      sha: job.sha,
      environment: job.environment,
    },
    s.now(),
  );
  // The gates may have decided between the read above and the insert: look once more.
  const latest = await s.store.loadRun(run.id);
  if (latest) await settleProtectionRequests(s, latest);
};
