import { performance } from "node:perf_hooks";
import { loadBuiltinTemplates } from "../src/builtin-templates.js";
import { parseWorkflow } from "../src/core/workflow/parse-workflow.js";
import { workflowYaml } from "./layered-workflow.js";
import { fmt, quantile } from "./stats.js";

/** Parse + validate time of a `steps`-step workflow file, over `rounds` runs after a warm-up. */
export function benchParse(steps: number, rounds = 50): { bytes: number; p50: number; p99: number } {
  const text = workflowYaml(steps);
  const templates = loadBuiltinTemplates();
  const times: number[] = [];
  for (let i = 0; i < rounds + 5; i++) {
    const t0 = performance.now();
    const result = parseWorkflow(text, { templates });
    const took = performance.now() - t0;
    if (!result.ok) throw new Error(`bench file invalid: ${JSON.stringify(result.errors[0])}`);
    if (i >= 5) times.push(took);
  }
  return { bytes: Buffer.byteLength(text), p50: quantile(times, 0.5), p99: quantile(times, 0.99) };
}

export function parseLine(steps: number, f: { bytes: number; p50: number; p99: number }): string {
  return `${steps}-step file (${(f.bytes / 1024).toFixed(1)} KiB): parse + validate p50 ${fmt(f.p50)} ms, p99 ${fmt(f.p99)} ms`;
}
