import type { RunPlan } from "../run/plan.js";

const KIND_SHAPE: Record<string, (id: string, label: string) => string> = {
  approval: (id, label) => `${id}{{"${label}"}}`,
  merge: (id, label) => `${id}[/"${label}"/]`,
  deploy: (id, label) => `${id}[/"${label}"/]`,
};

/** Mermaid ids must be plain words; step ids may hold `-`. */
function nodeId(prefix: string, id: string): string {
  return `${prefix}_${id.replace(/[^a-zA-Z0-9_]/g, "_")}`;
}

function label(text: string): string {
  return text.replace(/"/g, "#quot;");
}

/**
 * The workflow's DAG as a Mermaid flowchart: one subgraph per phase, an arrow per dependency.
 * Phase dependencies are drawn once between subgraphs rather than between every pair of steps.
 *
 * @example
 * flowchart LR
 *   subgraph p_review["Review"]
 *     s_code_review["code-review (review)"]
 *   end
 *   p_review --> p_approve
 */
export function toMermaid(plan: RunPlan): string {
  const lines = ["flowchart LR"];
  for (const phase of plan.phases) {
    lines.push(`  subgraph ${nodeId("p", phase.id)}["${label(phase.name)}"]`);
    for (const id of phase.steps) {
      const step = plan.steps.find((s) => s.id === id);
      if (!step) continue;
      const text = label(`${step.name} (${step.kind})`);
      const shape = KIND_SHAPE[step.kind] ?? ((n: string, l: string) => `${n}["${l}"]`);
      lines.push(`    ${shape(nodeId("s", id), text)}`);
    }
    lines.push("  end");
  }
  for (const phase of plan.phases) {
    for (const need of phase.needs) lines.push(`  ${nodeId("p", need)} --> ${nodeId("p", phase.id)}`);
  }
  for (const step of plan.steps) {
    for (const [need, why] of Object.entries(step.needReasons)) {
      if (why.startsWith("step ")) lines.push(`  ${nodeId("s", need)} --> ${nodeId("s", step.id)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
