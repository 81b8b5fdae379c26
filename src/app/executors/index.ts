import type { RunState } from "../../core/run/run-state.js";
import { agentExecutor } from "../../engine/executors/agent-executor.js";
import type { StepExecutor } from "../../engine/ports.js";
import type { AppServices } from "../services.js";
import { githubAgentInputs } from "./agent-inputs.js";
import { approvalExecutor } from "./approval.js";
import { checksExecutor, deployExecutor, mergeExecutor, withChecks } from "./merge-deploy.js";

/** The app's executors: agent steps read the PR from GitHub; gates, checks, merge and deploy act on GitHub. */
export function githubExecutors(s: AppServices): (run: RunState, stepId: string) => StepExecutor {
  // `tests` steps with `with.checks` also wait for those CI checks once their review is done.
  const agent = withChecks(
    agentExecutor({
      provider: s.provider,
      cache: s.agentCache,
      allowedModels: s.env.PHASEGATE_ALLOWED_MODELS,
      inputs: githubAgentInputs(s),
      learning: {
        judged: (repo, persona) => s.findings.judged({ repo, persona }),
        cleared: (repo, number) => s.findings.cleared(repo, number),
      },
      now: s.now,
    }),
    s,
  );
  const byKind: Record<string, StepExecutor> = {
    approval: approvalExecutor(s),
    checks: checksExecutor(s),
    merge: mergeExecutor(s),
    deploy: deployExecutor(s),
  };
  return (run, stepId) => {
    const step = run.plan.steps.find((p) => p.id === stepId);
    if (!step) throw new Error(`step "${stepId}" is not in the run's plan`);
    return step.isAgent ? agent : (byKind[step.kind] ?? agent);
  };
}
