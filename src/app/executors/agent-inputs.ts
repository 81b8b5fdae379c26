import type { RunState } from "../../core/run/run-state.js";
import type { AgentInputs } from "../../engine/executors/prepare-inputs.js";
import { prFiles } from "../runs/pr-files.js";
import type { AppServices } from "../services.js";

/**
 * Loads an agent step's inputs from GitHub: a PR run's diff (shared with the rest of the run through the
 * `prFiles` memo, one request per head SHA) and text; an issue run's text from its facts.
 */
export function githubAgentInputs(s: AppServices): (run: RunState) => Promise<AgentInputs> {
  return async (run) => {
    const text = { title: run.facts.title ?? "", body: run.facts.github?.body ?? "" };
    if (run.facts.source === "issue") return { files: [], pr: null, issue: text };
    return { files: await prFiles(s, run), pr: text, issue: null };
  };
}
