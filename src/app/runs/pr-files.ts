import type { FileDiff } from "../../core/diff.js";
import type { RunState } from "../../core/run-state.js";
import type { AppServices } from "../services.js";

/**
 * The PR's changed files with their patches, as FileDiffs, for a run's head SHA: fetched once (GET
 * /pulls/{n}/files, paginated) and shared by run creation, agent steps and PR reviews (saves requests).
 */
export async function prFiles(_s: AppServices, _run: RunState): Promise<readonly FileDiff[]> {
  throw new Error("not built yet");
}
