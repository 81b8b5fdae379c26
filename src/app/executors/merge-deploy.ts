import { checksVerdict } from "../../core/gates/checks-verdict.js";
import type { GitHubFacts, RunState, StepOutput } from "../../core/run/run-state.js";
import type { StepExecutor, StepResult } from "../../engine/ports.js";
import { GitHubWriteUncertainError } from "../../github/errors.js";
import { githubMessage, httpStatus } from "../../github/request-error.js";
import { readChecks } from "../deploy/checks.js";
import { createDeployment, findDeployment } from "../deploy/deployments-api.js";
import type { AppServices } from "../services.js";

function githubOf(run: RunState): GitHubFacts {
  const gh = run.facts.github;
  if (!gh) throw new Error(`run ${run.id} was not started from GitHub`);
  return gh;
}

const short = (sha: string) => sha.slice(0, 7);

/** The names a `checks` step (or a `tests` step with `with.checks`) waits for. */
export function checkNames(withValue: Readonly<Record<string, unknown>>): string[] {
  const names = withValue.checks;
  return Array.isArray(names) ? names.filter((n): n is string => typeof n === "string") : [];
}

/** Reads the named checks of the run's head SHA and turns the verdict into a step result over `base`. */
async function checksResult(s: AppServices, run: RunState, names: string[], base?: StepOutput) {
  const verdict = checksVerdict(names, ...(await readChecks(s, run, run.facts.headSha)));
  const output: StepOutput = {
    ...base,
    summary: base ? `${base.summary}; checks: ${verdict.summary}` : verdict.summary,
    data: { ...base?.data, checks: verdict.checks },
  };
  return { verdict, output };
}

/** `uses: checks`: succeeds once the named CI checks passed on the head SHA, fails when one failed, else waits. */
export function checksExecutor(s: AppServices): StepExecutor {
  return async ({ run, step }) => {
    const names = checkNames(step.with);
    if (names.length === 0)
      return { outcome: "failed", retryable: false, error: "with.checks names no check to wait for" };
    const { verdict, output } = await checksResult(s, run, names);
    if (verdict.state === "success") return { outcome: "succeeded", output };
    if (verdict.state === "failure")
      return { outcome: "failed", retryable: false, error: `checks ${verdict.summary}`, output };
    return { outcome: "waiting", waitingFor: "checks", output };
  };
}

/**
 * `tests` steps with `with.checks`: the agent's test-gap analysis first; when it passes, the named CI checks
 * on the head SHA decide (waiting for them if they are still running). Its findings stay in the output.
 */
export function withChecks(agent: StepExecutor, s: AppServices): StepExecutor {
  return async (ctx) => {
    const names = checkNames(ctx.step.with);
    const result = await agent(ctx);
    if (ctx.step.kind !== "tests" || names.length === 0 || result.outcome !== "succeeded") return result;
    const { verdict, output } = await checksResult(s, ctx.run, names, result.output);
    const tokens = result.tokens ?? 0;
    if (verdict.state === "success") return { outcome: "succeeded", output, tokens };
    if (verdict.state === "failure")
      return { outcome: "failed", retryable: false, error: `checks ${verdict.summary}`, output, tokens };
    return { outcome: "waiting", waitingFor: "checks", output };
  };
}

interface PullState {
  readonly merged: boolean;
  readonly mergeSha: string | null;
  readonly headSha: string;
}

async function readPull(s: AppServices, run: RunState, number: number): Promise<PullState> {
  const gh = githubOf(run);
  const octokit = await s.octokitFor(run);
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
    owner: gh.owner,
    repo: gh.name,
    pull_number: number,
  });
  return { merged: data.merged === true, mergeSha: data.merge_commit_sha ?? null, headSha: data.head.sha };
}

/**
 * `uses: merge`: merges the PR with `sha` = the head SHA the gates passed on (a later push makes GitHub refuse,
 * never merges unreviewed code). 405/409 → `refused` with GitHub's message: the core fails the step and opens
 * the gates again. After a crash (a second attempt, or a merge recorded as pending) it first asks GitHub whether
 * the PR is already merged, so the merge is never sent twice.
 */
export function mergeExecutor(s: AppServices): StepExecutor {
  return async ({ run, step, attempt, signal }): Promise<StepResult> => {
    const gh = githubOf(run);
    const number = run.facts.number;
    if (number === null) return { outcome: "failed", retryable: false, error: "merge needs a pull request" };
    const sha = run.facts.headSha;
    const method = typeof step.with.method === "string" ? step.with.method : "merge";

    const merged = async (mergeSha: string, recorded = false): Promise<StepResult> => {
      if (!recorded) {
        const at = s.now();
        await s.github.putEffect(run.id, "merge", { state: "done", githubId: mergeSha, data: { sha } }, at);
        await s.store.appendAudit({
          runId: run.id,
          at,
          actor: "phasegate",
          action: "merge",
          stepId: step.id,
          sha,
          reason: `merged with ${method} as ${mergeSha}`,
        });
      }
      return {
        outcome: "succeeded",
        output: {
          summary: `merged ${short(sha)} with ${method} as ${short(mergeSha)}`,
          data: { mergeSha, sha },
        },
      };
    };
    // The approved head merged (by us before a crash, or by someone with the same SHA): that is the result.
    const alreadyMerged = async (): Promise<StepResult | null> => {
      const pull = await readPull(s, run, number);
      return pull.merged && pull.mergeSha && pull.headSha === sha ? merged(pull.mergeSha) : null;
    };

    const prior = await s.github.effect(run.id, "merge");
    // Merged and recorded, but the step's result was lost (a crash): succeed again without writing anything.
    if (prior?.state === "done" && prior.githubId) return merged(prior.githubId, true);
    if (attempt > 1 || prior?.state === "pending") {
      const done = await alreadyMerged();
      if (done) return done;
    }
    // Where `agents` is a required check, GitHub refuses the merge until it reads `success`: show it first.
    await s.reportNow(run);
    await s.github.putEffect(run.id, "merge", { state: "pending", githubId: null, data: { sha } }, s.now());
    const octokit = await s.octokitFor(run);
    try {
      const { data } = await octokit.request("PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge", {
        owner: gh.owner,
        repo: gh.name,
        pull_number: number,
        sha,
        merge_method: method as "merge" | "squash" | "rebase",
        request: { signal },
      });
      return merged(data.sha);
    } catch (err) {
      const status = httpStatus(err);
      if (status !== 405 && status !== 409) throw err;
      const message = githubMessage(err);
      await s.github.putEffect(
        run.id,
        "merge",
        { state: "done", githubId: null, data: { sha, refused: message } },
        s.now(),
      );
      await s.store.appendAudit({
        runId: run.id,
        at: s.now(),
        actor: "phasegate",
        action: "merge-refused",
        stepId: step.id,
        sha,
        reason: message,
      });
      return { outcome: "refused", error: message };
    }
  };
}

/** The SHA a deploy step ships: the run's merge commit when its merge step succeeded, else the head SHA. */
export function deployRef(run: RunState): string {
  for (const p of run.plan.steps) {
    if (p.kind !== "merge") continue;
    const st = run.steps.get(p.id);
    const mergeSha = st?.status === "succeeded" ? st.output?.data?.mergeSha : undefined;
    if (typeof mergeSha === "string" && mergeSha) return mergeSha;
  }
  return run.facts.headSha;
}

/**
 * `uses: deploy`: creates a GitHub deployment of the merge commit (or the head SHA) and waits for the repo's
 * deploy job to post its `deployment_status`. The ledger effect `deploy:<step>` makes it find-or-create: a
 * deployment whose answer was lost is looked up by SHA, environment and payload before creating another.
 */
export function deployExecutor(s: AppServices): StepExecutor {
  return async ({ run, step, signal }): Promise<StepResult> => {
    const gh = githubOf(run);
    const environment = step.with.environment;
    if (typeof environment !== "string" || !environment)
      return { outcome: "failed", retryable: false, error: "deploy needs with.environment" };
    const ref = deployRef(run);
    const key = `deploy:${step.id}`;
    const payload = { phasegate_run: run.id, phasegate_step: step.id };
    const repo = { owner: gh.owner, repo: gh.name };
    const octokit = await s.octokitFor(run);

    const waiting = async (deploymentId: number, created: boolean): Promise<StepResult> => {
      const at = s.now();
      await s.github.putEffect(
        run.id,
        key,
        { state: "done", githubId: String(deploymentId), data: { sha: ref, environment } },
        at,
      );
      if (created) {
        await s.store.appendAudit({
          runId: run.id,
          at,
          actor: "phasegate",
          action: "deploy",
          stepId: step.id,
          sha: ref,
          reason: `deployment #${deploymentId} to ${environment}`,
        });
      }
      return {
        outcome: "waiting",
        waitingFor: "deployment",
        output: {
          summary: `deploying ${short(ref)} to ${environment} (deployment #${deploymentId})`,
          data: { deploymentId, sha: ref, environment },
        },
      };
    };

    const prior = await s.github.effect(run.id, key);
    // A deployment created by an attempt that lost its worker before recording it is the one to watch; after
    // a failure and `/agents retry` the step deploys anew.
    const lost = run.steps.get(step.id)?.error?.startsWith("lost its worker") === true;
    if (lost && prior?.state === "done" && prior.githubId && prior.data?.sha === ref)
      return waiting(Number(prior.githubId), false);
    if (prior?.state === "pending") {
      const found = await findDeployment(octokit, repo, { sha: ref, environment }, payload);
      if (found) return waiting(found.id, true);
    }
    await s.github.putEffect(run.id, key, { state: "pending", githubId: null, data: { sha: ref } }, s.now());
    const create = () =>
      createDeployment(octokit, repo, {
        ref,
        environment,
        payload,
        description: `phasegate run ${run.id}, step ${step.id}`,
        signal,
      });
    try {
      return waiting((await create()).id, true);
    } catch (err) {
      // Stopped mid-write: the next attempt finds the deployment through the pending effect.
      if (signal.aborted) throw err;
      if (err instanceof GitHubWriteUncertainError) {
        const found = await findDeployment(octokit, repo, { sha: ref, environment }, payload);
        return waiting((found ?? (await create())).id, true);
      }
      const status = httpStatus(err);
      if (status !== undefined && status >= 400 && status < 500 && status !== 429)
        return {
          outcome: "failed",
          retryable: false,
          error: `GitHub refused the deployment to ${environment}: ${githubMessage(err)}`,
        };
      throw err;
    }
  };
}
