import { formatDuration } from "../../core/workflow/duration.js";
import { UsageError } from "../load-workflow.js";
import { gitDir } from "../local-git.js";
import { openStore } from "../open-store.js";
import { type Io, stepTable, table } from "../output.js";

/** `phasegate status [run]`: the latest runs, or one run's step table (a unique id prefix is enough). */
export async function statusCommand(runId: string | undefined, io: Io): Promise<number> {
  const store = await openStore(io.env, await gitDir(io.cwd));
  try {
    const runs = await store.listRuns({ limit: runId ? 200 : 20 });
    if (!runId) {
      if (runs.length === 0) {
        io.out("No runs yet. Start one with `phasegate run`.\n");
        return 0;
      }
      const rows = [["RUN", "WORKFLOW", "STATE", "HEAD", "STARTED", "TIME", "TOKENS"]];
      for (const r of runs) {
        const took =
          r.startedAt !== null && r.finishedAt !== null ? formatDuration(r.finishedAt - r.startedAt) : "";
        rows.push([
          r.id,
          r.workflowId,
          r.status,
          r.headSha.slice(0, 7),
          new Date(r.createdAt).toISOString(),
          took,
          String(r.tokens),
        ]);
      }
      io.out(`${table(rows)}\n`);
      return 0;
    }
    const matches = runs.filter((r) => r.id.startsWith(runId));
    if (matches.length !== 1) {
      throw new UsageError(
        matches.length === 0 ? `no run "${runId}"` : `"${runId}" matches ${matches.length} runs`,
      );
    }
    const run = await store.loadRun(matches[0]!.id);
    if (!run) throw new UsageError(`no run "${runId}"`);
    io.out(
      `Run ${run.id} · ${run.plan.workflowId} · ${run.status} · ${run.facts.headSha.slice(0, 7)} · ${run.tokens} tokens\n\n`,
    );
    io.out(`${stepTable(run)}\n`);
    return 0;
  } finally {
    await store.close();
  }
}
