import type { RunCommand } from "../../core/run/run-event.js";
import type { RunState } from "../../core/run/run-state.js";
import type { AppServices } from "../services.js";
import { scheduleEvaluation } from "./evaluate.js";

/**
 * Evaluates approval gates that just started waiting (in the background): a PR approved before its gate was
 * reached passes at once.
 */
export function gatesOnChange(s: AppServices, run: RunState, commands: readonly RunCommand[]): void {
  if (!run.facts.github) return;
  if (!commands.some((c) => c.type === "await" && c.waitingFor === "approval")) return;
  scheduleEvaluation(s, run.id);
}
