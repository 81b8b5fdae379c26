import type { FileDiff } from "../../src/core/diff/diff.js";
import { planWorkflow } from "../../src/core/run/plan.js";
import { newRunState, type RunState } from "../../src/core/run/run-state.js";
import type { Step, WorkflowFile } from "../../src/core/workflow/workflow.schema.js";
import { type AgentExecutorOptions, agentExecutor } from "../../src/engine/executors/agent-executor.js";
import type { AgentInputs } from "../../src/engine/executors/prepare-inputs.js";
import type { StepResult } from "../../src/engine/ports.js";

type Settings = NonNullable<WorkflowFile["settings"]>;

/** A run of one phase holding `steps`, with `settings` (budget, max_parallel, model …). */
export function runOf(steps: Step[], settings: Settings = {}, id = "r"): RunState {
  const plan = planWorkflow({ version: 1, settings, workflows: { w: { phases: { p: { steps } } } } }, "w");
  return newRunState({
    id,
    plan,
    facts: {
      source: "local",
      repo: "r",
      number: 1,
      headSha: "b".repeat(40),
      baseRef: "main",
      author: "alice",
      labels: [],
      changedFiles: [],
      title: "Add a",
    },
    createdAt: 0,
  });
}

/** Inputs of a PR with `files`. */
export function prInputs(files: readonly FileDiff[], body = "Adds things."): AgentInputs {
  return { files, pr: { title: "Add things", body }, issue: null };
}

/** Runs step `stepId` of `run` once through an agent executor made with `opts`. */
export function execStep(
  run: RunState,
  stepId: string,
  opts: AgentExecutorOptions,
  signal = new AbortController().signal,
): Promise<StepResult> {
  const step = run.plan.steps.find((s) => s.id === stepId)!;
  return agentExecutor(opts)({ run, step, attempt: 1, signal });
}
