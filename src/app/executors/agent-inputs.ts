import type { RunState } from "../../core/run-state.js";
import type { AgentInputs } from "../../engine/executors/agent-executor.js";
import type { AppServices } from "../services.js";

/** Loads an agent step's inputs (the PR's diff and text, or the text) from GitHub, once per run. */
export function githubAgentInputs(_s: AppServices): (run: RunState) => Promise<AgentInputs> {
  return async () => {
    throw new Error("not built yet");
  };
}
