import type { WorkflowFile } from "../src/core/workflow/workflow.schema.js";

/**
 * A workflow of `width × depth` review steps in one phase: every step after the first layer depends on two
 * steps of the layer before, so the critical path is `depth` steps long. Deterministic (no randomness).
 */
export function layeredWorkflow(width: number, depth: number, maxParallel: number): WorkflowFile {
  const steps = [];
  for (let layer = 0; layer < depth; layer++) {
    for (let i = 0; i < width; i++) {
      const needs =
        layer === 0 ? [] : [...new Set([`s${layer - 1}-${i}`, `s${layer - 1}-${(i * 7 + 3) % width}`])];
      steps.push({
        id: `s${layer}-${i}`,
        uses: "review" as const,
        ...(needs.length ? { depends_on: needs } : {}),
      });
    }
  }
  return {
    version: 1,
    settings: { max_parallel: maxParallel },
    workflows: { bench: { phases: { all: { steps } } } },
  };
}

/** The same workflow as YAML text, spread over phases of 10 steps, for the parse benchmark. */
export function workflowYaml(stepCount: number): string {
  const lines = ["version: 1", "workflows:", "  bench:", "    on:", "      pull_request: {}", "    phases:"];
  for (let p = 0; p * 10 < stepCount; p++) {
    lines.push(`      p${p}:`);
    if (p > 0) lines.push(`        depends_on: [p${p - 1}]`);
    lines.push("        steps:");
    for (let i = 0; i < 10 && p * 10 + i < stepCount; i++) {
      const id = `s${p * 10 + i}`;
      lines.push(`          - id: ${id}`, `            uses: ${i % 3 === 0 ? "security" : "review"}`);
      if (i > 0) lines.push(`            depends_on: [s${p * 10 + i - 1}]`);
      lines.push("            timeout: 5m", "            fail_on: high");
    }
  }
  return `${lines.join("\n")}\n`;
}
