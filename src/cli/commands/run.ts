import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { parseUnifiedDiff } from "../../core/diff/parse-unified-diff.js";
import type { RunFacts, RunState } from "../../core/run/run-state.js";
import { newRunState } from "../../core/run/run-state.js";
import { formatDuration } from "../../core/workflow/duration.js";
import { openAgentCache } from "../../db/open-agent-cache.js";
import { Engine } from "../../engine/engine.js";
import { agentExecutor } from "../../engine/executors/agent-executor.js";
import { dryRunExecutor, withDryRunNotes } from "../../engine/executors/dry-run.js";
import { selectProvider } from "../../llm/select-provider.js";
import {
  allowedModels,
  chooseWorkflow,
  DEFAULT_WORKFLOW_PATH,
  loadWorkflowFile,
  UsageError,
} from "../load-workflow.js";
import { readLocalChange } from "../local-git.js";
import { openStore, storeUrl } from "../open-store.js";
import { allFindings, type Io, paint, progressLine, stepTable, table } from "../output.js";

export interface RunOptions {
  readonly workflow?: string;
  readonly base?: string;
  readonly json?: boolean;
  readonly file?: string;
}

export function newRunId(now: number): string {
  return `${now.toString(36)}-${randomBytes(4).toString("hex")}`;
}

/**
 * `phasegate run`: runs a workflow's agent steps on the local diff with live progress; gates, merge and deploy
 * only say what they would do. Exit code 0 when the run succeeded, 1 when it failed.
 */
export async function runCommand(opts: RunOptions, io: Io): Promise<number> {
  // 1. The workflow: the repo's file (validated), or a built-in template.
  const change = await readLocalChange(io.cwd, opts.base).catch((err: Error) => {
    throw new UsageError(err.message);
  });
  const path = opts.file ?? join(change.root, DEFAULT_WORKFLOW_PATH);
  const loaded = await loadWorkflowFile(path, io.env);
  if (loaded.ok === false) {
    for (const e of loaded.errors) io.err(`${e}\n`);
    return 1;
  }
  const plan = chooseWorkflow(loaded.ok === true ? loaded.file : null, opts.workflow, io.env);

  // 2. The change and the run's facts.
  const files = parseUnifiedDiff(change.diff);
  const facts: RunFacts = {
    source: "local",
    repo: change.repo,
    number: null,
    headSha: change.headSha,
    baseRef: change.base,
    author: change.author,
    labels: [],
    changedFiles: files.map((f) => f.path),
    additions: files.reduce((n, f) => n + f.additions, 0),
    deletions: files.reduce((n, f) => n + f.deletions, 0),
    title: change.title,
  };
  const log = opts.json ? io.err : io.out;
  const provider = selectProvider(io.env);
  log(
    `${paint(io, "bold", plan.name)} on ${files.length} changed file${files.length === 1 ? "" : "s"} since ${change.base} · ${provider.label}\n`,
  );

  // 3. Run it durably, printing each step as it moves.
  const store = await openStore(io.env, change.gitDir);
  // Per-file results of earlier runs: re-running after changing one file re-reviews only that file.
  const agentCache = await openAgentCache(storeUrl(io.env, change.gitDir));
  const inputs = { files, pr: { title: change.title ?? "", body: "" }, issue: null };
  const agent = withDryRunNotes(
    agentExecutor({
      provider,
      inputs: async () => inputs,
      cache: agentCache.cache,
      allowedModels: allowedModels(io.env) ?? [],
    }),
  );
  const engine = new Engine({
    store,
    executorFor: (run, stepId) =>
      run.plan.steps.find((s) => s.id === stepId)?.isAgent ? agent : dryRunExecutor,
    onChange: printChanges(io, log),
  });
  try {
    const now = Date.now();
    const run = newRunState({ id: newRunId(now), plan, facts, createdAt: now });
    engine.start();
    const done = engine.settled(run.id);
    await engine.createRun(run);
    const final = await done;
    await store.appendAudit({
      runId: final.id,
      at: Date.now(),
      actor: "cli",
      action: "run",
      stepId: null,
      sha: facts.headSha,
      reason: `phasegate run ${plan.workflowId}: ${final.status}`,
    });
    if (opts.json) io.out(`${JSON.stringify(jsonResult(final, provider.label), null, 2)}\n`);
    else io.out(summary(io, final));
    return final.status === "succeeded" ? 0 : 1;
  } finally {
    await engine.stop();
    await store.close();
    await agentCache.close();
  }
}

function printChanges(io: Io, log: (text: string) => void) {
  let previous: RunState | null = null;
  return (run: RunState) => {
    for (const p of run.plan.steps) {
      const s = run.steps.get(p.id);
      if (!s || previous?.steps.get(p.id)?.status === s.status) continue;
      const line = progressLine(io, run, s);
      if (line) log(`${line}\n`);
    }
    previous = run;
  };
}

function summary(io: Io, run: RunState): string {
  const took =
    run.startedAt !== null && run.finishedAt !== null ? formatDuration(run.finishedAt - run.startedAt) : "";
  const style = run.status === "succeeded" ? "green" : "red";
  const lines = ["", stepTable(run), ""];
  const findings = allFindings(run);
  if (findings.length > 0) {
    lines.push(`${findings.length} finding${findings.length === 1 ? "" : "s"}:`);
    const rows = findings.map((f) => [
      f.severity,
      `${f.file}${f.line ? `:${f.line}` : ""}`,
      f.title,
      `(${f.step})`,
    ]);
    lines.push(
      ...table(rows)
        .split("\n")
        .map((row) => `  ${row}`),
      "",
    );
  }
  lines.push(`Run ${run.id} ${paint(io, style, run.status)} in ${took} · ${run.tokens} tokens`);
  return `${lines.join("\n")}\n`;
}

/** The whole result for `--json`: every step and every finding with file, line and severity. */
export function jsonResult(run: RunState, provider: string) {
  return {
    run: {
      id: run.id,
      workflow: run.plan.workflowId,
      status: run.status,
      headSha: run.facts.headSha,
      base: run.facts.baseRef,
      tokens: run.tokens,
      // Time spent waiting for models, summed over every call of every step.
      modelLatencyMs: [...run.steps.values()].reduce((n, s) => n + Number(s.output?.data?.latencyMs ?? 0), 0),
      durationMs: run.startedAt !== null && run.finishedAt !== null ? run.finishedAt - run.startedAt : null,
      provider,
    },
    steps: run.plan.steps.map((p) => {
      const s = run.steps.get(p.id);
      return {
        id: p.id,
        phase: p.phaseId,
        kind: p.kind,
        status: s?.status,
        attempts: s?.attempts,
        durationMs: s?.startedAt != null && s.finishedAt != null ? s.finishedAt - s.startedAt : null,
        tokens: s?.tokens,
        // Model calls: each one's tokens, latency and tries, and their summed latency.
        calls: s?.output?.data?.calls ?? [],
        latencyMs: s?.output?.data?.latencyMs ?? null,
        summary: s?.output?.summary ?? null,
        error: s?.error ?? null,
        reason: s?.reason ?? null,
        notReviewed: s?.output?.notReviewed ?? [],
      };
    }),
    findings: allFindings(run),
  };
}
