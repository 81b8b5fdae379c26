import type { StepExecutor } from "../../engine/ports.js";
import type { AppServices } from "../services.js";

/** Approval steps park as `waiting`; gate evaluation decides them. */
export function approvalExecutor(_s: AppServices): StepExecutor {
  return async () => ({ outcome: "waiting", waitingFor: "approval" });
}
