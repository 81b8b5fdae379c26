import { deployStepsFor, type ProtectionVerdict, protectionVerdict } from "../../core/deploy-protection.js";
import type { RunState } from "../../core/run-state.js";
import type { ProtectionRequest } from "../../db/github-store.js";
import type { AppServices } from "../services.js";

/** Callback URLs being answered by this process, so two changes in quick succession answer once. */
const answering = new WeakMap<AppServices, Set<string>>();

/**
 * Answers a deployment protection rule through its `deployment_callback_url` (GitHub's "review custom
 * deployment protection rules" endpoint) and marks the stored request answered.
 */
export async function answerProtection(
  s: AppServices,
  request: Pick<ProtectionRequest, "callbackUrl" | "installationId" | "environment">,
  answer: { readonly state: "approved" | "rejected"; readonly comment: string },
): Promise<void> {
  const octokit = await s.octokit(request.installationId);
  await octokit.request(`POST ${request.callbackUrl}`, {
    environment_name: request.environment,
    state: answer.state,
    comment: answer.comment,
  });
  await s.github.answerProtectionRequest(request.callbackUrl, answer.state, s.now());
  s.log.info(
    { environment: request.environment, state: answer.state, comment: answer.comment },
    "answered a deployment protection rule",
  );
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
  const busy = answering.get(s) ?? new Set<string>();
  answering.set(s, busy);
  for (const sha of runShas(run)) {
    for (const request of await s.github.openProtectionRequests(run.facts.repo, sha)) {
      // Another workflow's run on the same SHA does not speak for an environment it does not deploy.
      if (busy.has(request.callbackUrl) || deployStepsFor(run, request.environment).length === 0) continue;
      const verdict: ProtectionVerdict = protectionVerdict(run, request.environment);
      if (verdict.state === "waiting") continue;
      busy.add(request.callbackUrl);
      try {
        await answerProtection(s, request, { state: verdict.state, comment: verdict.comment });
      } finally {
        busy.delete(request.callbackUrl);
      }
    }
  }
}
