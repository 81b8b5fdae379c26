import type { RunState } from "../../core/run/run-state.js";
import { GitHubWriteUncertainError } from "../../github/errors.js";
import type { AppServices, Octokit } from "../services.js";
import { createDeployment, type DeploymentLike, findDeployment, type RepoRef } from "./deployments-api.js";

/** How many earlier deployments of the environment are looked at for a successful one. */
const LOOK_BACK = 10;

/** A failed `deploy` step with `rollback: true` whose deployment was created and not yet rolled back. */
export function needsRollback(run: RunState, stepId: string): boolean {
  const p = run.plan.steps.find((x) => x.id === stepId);
  const st = run.steps.get(stepId);
  return (
    p?.kind === "deploy" &&
    p.with.rollback === true &&
    st?.status === "failed" &&
    typeof st.output?.data?.deploymentId === "number"
  );
}

async function lastSuccess(
  octokit: Octokit,
  repo: RepoRef,
  environment: string,
  skip: { readonly id: number; readonly sha: string },
): Promise<DeploymentLike | null> {
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/deployments", {
    ...repo,
    environment,
    per_page: 30,
  });
  // Newest first; the failed deployment and others of the same SHA are no way back.
  const earlier = (data as DeploymentLike[]).filter((d) => d.id !== skip.id && d.sha !== skip.sha);
  for (const d of earlier.slice(0, LOOK_BACK)) {
    const statuses = await octokit.request("GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses", {
      ...repo,
      deployment_id: d.id,
      per_page: 100,
    });
    if (statuses.data.some((st) => st.state === "success")) return d;
  }
  return null;
}

/**
 * Re-deploys the environment's previous successful SHA after a `rollback: true` deploy step failed (its
 * deployment failed or it timed out), once per step (ledger effect `rollback:<step>`), and notes it on the step
 * so the check run says so: "failed (…); rolled back to abc1234 (deployment #N)".
 */
export async function rollBack(s: AppServices, run: RunState, stepId: string): Promise<void> {
  const gh = run.facts.github;
  const st = run.steps.get(stepId);
  const p = run.plan.steps.find((x) => x.id === stepId);
  if (!gh || !st || !p) return;
  const key = `rollback:${stepId}`;
  if (await s.github.effect(run.id, key)) return;
  const environment = String(p.with.environment);
  const failedId = st.output?.data?.deploymentId as number;
  const failedSha = String(st.output?.data?.sha ?? run.facts.headSha);
  const failure = `failed (${st.error ?? "deployment failed"})`;
  await s.github.putEffect(run.id, key, { state: "pending", githubId: null, data: null }, s.now());

  const octokit = await s.octokitFor(run);
  const repo = { owner: gh.owner, repo: gh.name };
  const target = await lastSuccess(octokit, repo, environment, { id: failedId, sha: failedSha });
  if (!target) {
    await s.github.putEffect(
      run.id,
      key,
      { state: "done", githubId: null, data: { rollbackSha: null } },
      s.now(),
    );
    await s.engine.submit(run.id, {
      type: "step-noted",
      at: s.now(),
      stepId,
      summary: `${failure}; nothing to roll back to (no earlier successful deployment to ${environment})`,
      data: { rollbackSha: null },
    });
    return;
  }
  const payload = { phasegate_run: run.id, phasegate_rollback_of: failedId };
  const create = () =>
    createDeployment(octokit, repo, {
      ref: target.sha,
      environment,
      payload,
      description: `phasegate: roll back ${environment} to ${target.sha.slice(0, 7)} after deployment #${failedId} failed`,
    });
  let created: DeploymentLike;
  try {
    created = await create();
  } catch (err) {
    if (!(err instanceof GitHubWriteUncertainError)) throw err;
    created =
      (await findDeployment(octokit, repo, { sha: target.sha, environment }, payload)) ?? (await create());
  }
  const at = s.now();
  const data = { rollbackSha: target.sha, rollbackDeploymentId: created.id };
  await s.github.putEffect(run.id, key, { state: "done", githubId: String(created.id), data }, at);
  await s.store.appendAudit({
    runId: run.id,
    at,
    actor: "phasegate",
    action: "rollback",
    stepId,
    sha: target.sha,
    reason: `deployment #${failedId} to ${environment} ${failure}; rolled back with deployment #${created.id}`,
  });
  await s.engine.submit(run.id, {
    type: "step-noted",
    at,
    stepId,
    summary: `${failure}; rolled back to ${target.sha.slice(0, 7)} (deployment #${created.id})`,
    data,
  });
}
