import type { RunCommand } from "../../core/run-event.js";
import type { RunState } from "../../core/run-state.js";
import type { AppServices } from "../services.js";

/** Evaluates approval gates that just started waiting (in the background). */
export function gatesOnChange(_s: AppServices, _run: RunState, _commands: readonly RunCommand[]): void {}
