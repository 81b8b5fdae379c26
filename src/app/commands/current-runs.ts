import type { RunState } from "../../core/run/run-state.js";
import type { AppServices } from "../services.js";

/**
 * The runs commands act on: every run (one per workflow) of the PR's or issue's newest head SHA, newest first.
 * Older heads' runs were superseded.
 */
export async function currentRuns(s: AppServices, repo: string, number: number): Promise<RunState[]> {
  const ids = await s.github.runIdsFor(repo, number);
  const runs: RunState[] = [];
  for (const id of ids) {
    const run = await s.store.loadRun(id);
    if (!run) continue;
    if (runs.length > 0 && run.facts.headSha !== runs[0]?.facts.headSha) break;
    runs.push(run);
  }
  return runs;
}
