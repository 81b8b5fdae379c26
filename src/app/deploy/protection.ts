import {
  deployStepsFor,
  type ProtectionVerdict,
  protectionVerdict,
} from "../../core/gates/deploy-protection.js";
import type { RunState } from "../../core/run/run-state.js";
import type { ProtectionRequest } from "../../db/github-store.js";
import type { AppServices } from "../services.js";

type Answer = { readonly state: "approved" | "rejected"; readonly comment: string };

/** POSTs an answer to a deployment protection rule's `deployment_callback_url`. */
async function postAnswer(
  s: AppServices,
  request: Pick<ProtectionRequest, "callbackUrl" | "installationId" | "environment">,
  answer: Answer,
): Promise<void> {
  const octokit = await s.octokit(request.installationId);
  await octokit.request(`POST ${request.callbackUrl}`, {
    environment_name: request.environment,
    state: answer.state,
    comment: answer.comment,
  });
  s.log.info(
    { environment: request.environment, state: answer.state, comment: answer.comment },
    "answered a deployment protection rule",
  );
}

/**
 * Answers a deployment protection rule through its `deployment_callback_url` (GitHub's "review custom
 * deployment protection rules" endpoint) and marks the stored request answered, if it was stored.
 */
export async function answerProtection(
  s: AppServices,
  request: Pick<ProtectionRequest, "callbackUrl" | "installationId" | "environment">,
  answer: Answer,
): Promise<void> {
  await postAnswer(s, request, answer);
  await s.github.answerProtectionRequest(request.callbackUrl, answer.state, s.now());
}

/**
 * Answers a stored request exactly once across changes and processes: the database claim comes first, and a
 * POST that failed gives the claim back so a later change answers.
 */
async function answerStored(s: AppServices, request: ProtectionRequest, answer: Answer): Promise<void> {
  const at = s.now();
  if (!(await s.github.claimProtectionRequest(request.callbackUrl, answer.state, at))) return;
  try {
    await postAnswer(s, request, answer);
  } catch (err) {
    await s.github.releaseProtectionRequest(request.callbackUrl, at);
    throw err;
  }
}

/** The SHAs a protection request of this run can be about: its head, and its merge commit once merged. */
export function runShas(run: RunState): string[] {
  const shas = [run.facts.headSha];
  for (const p of run.plan.steps) {
    const mergeSha = p.kind === "merge" ? run.steps.get(p.id)?.output?.data?.mergeSha : undefined;
    if (typeof mergeSha === "string" && mergeSha) shas.push(mergeSha);
  }
  return shas;
}

/** Answers this run's waiting protection requests whose gates have now decided. */
export async function settleProtectionRequests(s: AppServices, run: RunState): Promise<void> {
  if (!run.facts.github) return;
  for (const sha of runShas(run)) {
    for (const request of await s.github.openProtectionRequests(run.facts.repo, sha)) {
      // Another workflow's run on the same SHA does not speak for an environment it does not deploy.
      if (deployStepsFor(run, request.environment).length === 0) continue;
      const verdict: ProtectionVerdict = protectionVerdict(run, request.environment);
      if (verdict.state === "waiting") continue;
      await answerStored(s, request, { state: verdict.state, comment: verdict.comment });
    }
  }
}
