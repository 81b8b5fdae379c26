import dagre, { type Edge, type Point } from "@dagrejs/dagre";
import type { RunPlan } from "../core/run/plan.js";

/** A step's box in the DAG drawing, in SVG user units. */
export interface NodeBox {
  readonly id: string;
  readonly label: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A phase drawn around its steps. */
export interface PhaseBox extends NodeBox {}

export interface EdgeLine {
  readonly from: string;
  readonly to: string;
  /** SVG path data. */
  readonly d: string;
}

export interface GraphLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly NodeBox[];
  readonly phases: readonly PhaseBox[];
  readonly edges: readonly EdgeLine[];
}

const NODE_W = 168;
const NODE_H = 34;
const MARGIN = 16;

/**
 * The run's steps laid out left to right by dagre, grouped in their phases. A step that needs a whole phase is
 * drawn from that phase's last steps only (those no step of the phase waits for), not from each of its steps:
 * the picture says the same with far fewer lines. Depends only on the plan, so callers cache it per run.
 */
export function layoutPlan(plan: RunPlan): GraphLayout {
  const g = new dagre.graphlib.Graph({ compound: true, multigraph: false });
  g.setGraph({ rankdir: "LR", nodesep: 14, ranksep: 46, marginx: MARGIN, marginy: MARGIN });
  g.setDefaultEdgeLabel(() => ({}));
  for (const phase of plan.phases) g.setNode(`phase:${phase.id}`, { label: phase.name });
  for (const step of plan.steps) {
    g.setNode(step.id, { label: step.name, width: NODE_W, height: NODE_H });
    g.setParent(step.id, `phase:${step.phaseId}`);
  }
  const phaseOf = new Map(plan.steps.map((s) => [s.id, s.phaseId]));
  const waitedOnInPhase = new Set<string>();
  for (const s of plan.steps)
    for (const n of s.needs) if (phaseOf.get(n) === s.phaseId) waitedOnInPhase.add(n);
  for (const step of plan.steps) {
    for (const need of step.needs) {
      const sameOrOwnEdge = phaseOf.get(need) === step.phaseId || step.needReasons[need]?.startsWith("step");
      if (sameOrOwnEdge || !waitedOnInPhase.has(need)) g.setEdge(need, step.id);
    }
  }
  dagre.layout(g);
  const box = (key: string, id: string, label: string): NodeBox => {
    const n = g.node(key);
    return { id, label, x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height };
  };
  const nodes = plan.steps.map((s) => box(s.id, s.id, s.name));
  const phases: PhaseBox[] = plan.phases.map((p) => box(`phase:${p.id}`, p.id, p.name));
  const edges: EdgeLine[] = g.edges().map((e: Edge) => {
    const pts: Point[] = g.edge(e).points ?? [];
    const d = pts.map((p: Point, i: number) => `${i === 0 ? "M" : "L"}${round(p.x)},${round(p.y)}`).join(" ");
    return { from: e.v, to: e.w, d };
  });
  const graph = g.graph();
  return { width: Math.ceil(graph.width ?? 0), height: Math.ceil(graph.height ?? 0), nodes, phases, edges };
}

const round = (n: number) => Math.round(n * 10) / 10;
