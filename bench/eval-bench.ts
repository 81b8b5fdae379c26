import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { type LoadedCase, readCases, runEval } from "../src/cli/commands/eval.js";
import { chooseWorkflow } from "../src/cli/load-workflow.js";
import { summarizeEval } from "../src/core/eval/eval-summary.js";
import { newRunState } from "../src/core/run/run-state.js";
import { agentExecutor } from "../src/engine/executors/agent-executor.js";
import type { AgentProvider } from "../src/engine/ports.js";
import { HeuristicProvider } from "../src/llm/heuristic-provider.js";
import { findPackageRoot } from "../src/package-root.js";
import { fmt } from "./stats.js";

const ROUNDS = 40;

export interface EvalBench {
  readonly cases: number;
  /** `phasegate eval`'s work per case: `runEval` and `summarizeEval`. */
  readonly evalMs: number;
  /** The same agent steps run straight through the executor, without the eval around them. */
  readonly directMs: number;
  /** Inside the heuristic provider, during the eval. */
  readonly providerMs: number;
  /** Reading a case folder: the diff and expected.yaml, parsed. */
  readonly readMs: number;
}

/**
 * The eval's own overhead on the example set (workflows/evals, the code-review template, the heuristic
 * provider), repeated: per case, what `runEval` + `summarizeEval` take beyond running the same agent steps through
 * the agent executor directly, and, for scale, the time spent inside the provider. One warm-up round is discarded.
 */
export async function benchEval(rounds = ROUNDS): Promise<EvalBench> {
  const root = findPackageRoot(import.meta.url);
  const plan = chooseWorkflow(null, "code-review", {});
  const heuristic = new HeuristicProvider();
  let providerMs = 0;
  const provider: AgentProvider = {
    label: heuristic.label,
    run: async (request) => {
      const started = performance.now();
      try {
        return await heuristic.run(request);
      } finally {
        providerMs += performance.now() - started;
      }
    },
  };
  const read = async () => {
    const r = await readCases(join(root, "workflows", "evals"), "workflows/evals");
    if (!r.ok) throw new Error(r.errors.join("\n"));
    return r.cases;
  };
  const cases = await read();
  const evaluate = async () =>
    summarizeEval(cases, await runEval({ plan, cases, provider, allowedModels: [] }));
  const directStep = (c: LoadedCase, step: (typeof plan.steps)[number]) => {
    const run = newRunState({ id: `bench-${c.name}-${step.id}`, plan, facts: FACTS, createdAt: 0 });
    const inputs = { files: c.files, pr: { title: "", body: "" }, issue: null };
    const execute = agentExecutor({ provider: heuristic, inputs: async () => inputs });
    return execute({ run, step, attempt: 1, signal: new AbortController().signal });
  };
  const direct = async () => {
    for (const c of cases)
      await Promise.all(plan.steps.filter((s) => s.isAgent).map((s) => directStep(c, s)));
  };

  await evaluate();
  await direct();
  const timed = async (fn: () => Promise<unknown>) => {
    const started = performance.now();
    for (let i = 0; i < rounds; i++) await fn();
    return performance.now() - started;
  };
  const readMs = await timed(read);
  const directMs = await timed(direct);
  providerMs = 0;
  const evalMs = await timed(evaluate);
  const n = cases.length * rounds;
  return {
    cases: n,
    evalMs: evalMs / n,
    directMs: directMs / n,
    providerMs: providerMs / n,
    readMs: readMs / n,
  };
}

const FACTS = {
  source: "local",
  repo: "bench",
  number: null,
  headSha: "bench",
  baseRef: null,
  author: null,
  labels: [],
  changedFiles: [],
  title: null,
} as const;

export function evalLines(b: EvalBench): string[] {
  return [
    `${b.cases} cases (workflows/evals × ${ROUNDS}), 3 agent steps each, heuristic provider, per case:`,
    `  eval ${fmt(b.evalMs)} ms · the same steps run directly ${fmt(b.directMs)} ms · eval overhead ${fmt(b.evalMs - b.directMs)} ms`,
    `  inside the provider ${fmt(b.providerMs)} ms · reading and parsing the case folder ${fmt(b.readMs)} ms`,
  ];
}

/** `npm run bench -- eval`. */
export async function printEvalBench(): Promise<void> {
  console.log("phasegate bench — eval (phasegate eval's own cost per case)");
  for (const line of evalLines(await benchEval())) console.log(`  ${line}`);
}
