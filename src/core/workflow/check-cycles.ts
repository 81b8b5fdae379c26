import { findCycle } from "../run/dag.js";
import type { WorkflowDef } from "./workflow.schema.js";
import type { Problem } from "./workflow-error.js";

type Phases = NonNullable<WorkflowDef["phases"]>;

/** Virtual node for "every step of phase X"; `:` cannot occur in an id, so it never clashes with a step. */
const phaseNode = (id: string): string => `phase:${id}`;
const isPhaseNode = (node: string): boolean => node.startsWith("phase:");

/**
 * A cycle in the phase graph, named in run order (`review → approve → review`) and placed at the `depends_on`
 * entry that closes it.
 */
export function checkPhaseCycle(workflowId: string, phases: Phases): Problem | null {
  const ids = Object.keys(phases);
  const cycle = findCycle(ids, (id) => phases[id]?.depends_on ?? []);
  if (!cycle) return null;
  // findCycle follows "depends on" edges; reversed, the path reads in the order things would run.
  const [first, second] = cycle as [string, string];
  const index = phases[first]!.depends_on!.indexOf(second);
  return {
    path: ["workflows", workflowId, "phases", first, "depends_on", index],
    message: `workflow ${JSON.stringify(workflowId)}: phase cycle: ${[...cycle].reverse().join(" → ")}`,
  };
}

/**
 * A cycle in the effective step graph: a step waits for its own `depends_on` and for every step of the phases
 * its phase depends on. Phase dependencies go through one virtual node per phase so the graph stays linear in
 * size. Call only when there is no phase cycle and step ids are unique.
 */
export function checkStepCycle(workflowId: string, phases: Phases): Problem | null {
  const where = new Map<string, { phase: string; index: number; deps: readonly string[] }>();
  const edges = new Map<string, string[]>();
  const nodes: string[] = [];
  for (const [phaseId, phase] of Object.entries(phases)) {
    edges.set(
      phaseNode(phaseId),
      phase.steps.map((s) => s.id),
    );
    phase.steps.forEach((step, index) => {
      const deps = step.depends_on ?? [];
      where.set(step.id, { phase: phaseId, index, deps });
      nodes.push(step.id);
      edges.set(step.id, [...deps, ...(phase.depends_on ?? []).map(phaseNode)]);
    });
  }
  // Steps first, so the search (and the message) starts from the first step in file order.
  nodes.push(...Object.keys(phases).map(phaseNode));
  const found = findCycle(nodes, (n) => edges.get(n) ?? []);
  if (!found) return null;
  const cycle = startAtStep(found);

  // Point at the first explicit `depends_on` entry on the cycle; a cycle made only of phase edges is a phase
  // cycle, which is reported instead.
  let path: Problem["path"] = ["workflows", workflowId, "phases"];
  for (let i = 0; i + 1 < cycle.length; i++) {
    const from = where.get(cycle[i]!);
    const index = from ? from.deps.indexOf(cycle[i + 1]!) : -1;
    if (from && index >= 0) {
      path = ["workflows", workflowId, "phases", from.phase, "steps", from.index, "depends_on", index];
      break;
    }
  }
  const steps = cycle.filter((n) => !isPhaseNode(n)).reverse();
  const why =
    steps.length < cycle.length
      ? " (a step also waits for every step of the phases its phase depends on)"
      : "";
  return { path, message: `workflow ${JSON.stringify(workflowId)}: step cycle: ${steps.join(" → ")}${why}` };
}

/** Rotates a closed cycle path so that it starts (and ends) at a step, not at a virtual phase node. */
function startAtStep(cycle: readonly string[]): string[] {
  const ring = cycle.slice(0, -1);
  const at = Math.max(
    0,
    ring.findIndex((n) => !isPhaseNode(n)),
  );
  const rotated = [...ring.slice(at), ...ring.slice(0, at)];
  return [...rotated, rotated[0]!];
}
