import type { StepExecutor } from "../../engine/ports.js";
import type { AppServices } from "../services.js";

const notYet: StepExecutor = async ({ step }) => ({
  outcome: "failed",
  retryable: false,
  error: `no GitHub executor for ${step.kind} steps yet`,
});

export function checksExecutor(_s: AppServices): StepExecutor {
  return notYet;
}
export function mergeExecutor(_s: AppServices): StepExecutor {
  return notYet;
}
export function deployExecutor(_s: AppServices): StepExecutor {
  return notYet;
}
