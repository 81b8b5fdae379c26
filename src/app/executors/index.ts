import type { RunState } from "../../core/run/run-state.js";
import { ShadowStore } from "../../db/shadow-store.js";
import { agentExecutor } from "../../engine/executors/agent-executor.js";
import type { StepExecutor } from "../../engine/ports.js";
import type { AppServices } from "../services.js";
import { githubAgentInputs } from "./agent-inputs.js";
import { approvalExecutor } from "./approval.js";
import { evalStepExecutor } from "./eval-step.js";
import { governancePort } from "./governance-port.js";
import { checksExecutor, deployExecutor, mergeExecutor, withChecks } from "./merge-deploy.js";

/**
 * The app's executors: agent steps read the PR from GitHub; gates, checks, merge and deploy act on GitHub; `eval`
 * evaluates a PR's agent settings on the default branch's cases.
 */
export function githubExecutors(s: AppServices): (run: RunState, stepId: string) => StepExecutor {
  const shadowRuns = new ShadowStore(s.store.database);
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
        health: (repo, since) => s.governance.health(repo, since),
      },
      governance: governancePort(s),
      // Shadow runs are stored, never posted; failing to store one is logged, never a step's failure.
      shadows: {
        store: (r) =>
          shadowRuns
            .store(r)
            .catch((err) =>
              s.log.warn({ err, runId: r.runId, stepId: r.stepId }, "storing a shadow run failed"),
            ),
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
    eval: evalStepExecutor(s),
  };
  return (run, stepId) => {
    const step = run.plan.steps.find((p) => p.id === stepId);
    if (!step) throw new Error(`step "${stepId}" is not in the run's plan`);
    return step.isAgent ? agent : (byKind[step.kind] ?? agent);
  };
}
