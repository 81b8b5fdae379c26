import type { RunCommand } from "../../core/run-event.js";
import type { RunState } from "../../core/run-state.js";
import type { AppServices } from "../services.js";

/** Rollbacks after a failed deploy, answers to deployment protection rules (in the background). */
export function deploymentsOnChange(
  _s: AppServices,
  _run: RunState,
  _commands: readonly RunCommand[],
): void {}
