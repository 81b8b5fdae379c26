import { parseCondition } from "./condition.js";
import type { WorkflowDef } from "./workflow.schema.js";
import type { Problem, WorkflowPath } from "./workflow-error.js";

type Phases = NonNullable<WorkflowDef["phases"]>;

/** The `if:` problems of one workflow, and the steps each valid `if:` names (with where it first names them). */
export interface ConditionCheck {
  readonly problems: Problem[];
  readonly named: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

/**
 * Parses every step's `if:` with GitHub's expression library: syntax errors, unknown context names, unknown
 * step ids and unsupported functions, each at the character of the expression it concerns (`within`).
 *
 * @example checkConditions("ci", phases, ["lint", "deep"]).problems
 * // [{ path: [..., "if"], within: 4, message: 'step "deep": if: unknown step "lnt" (expected one of lint, deep)' }]
 */
export function checkConditions(
  workflowId: string,
  phases: Phases,
  stepIds: readonly string[],
): ConditionCheck {
  const ids = new Set(stepIds.map((id) => id.toLowerCase()));
  const problems: Problem[] = [];
  const named = new Map<string, ReadonlyMap<string, number>>();
  for (const [phaseId, phase] of Object.entries(phases)) {
    phase.steps.forEach((step, i) => {
      if (step.if === undefined) return;
      const path: WorkflowPath = ["workflows", workflowId, "phases", phaseId, "steps", i, "if"];
      const r = parseCondition(step.if, ids, step.id);
      if (r.ok) {
        named.set(step.id, r.condition.stepOffsets);
        return;
      }
      for (const p of r.problems) {
        problems.push({
          path,
          within: p.offset,
          message: `step ${JSON.stringify(step.id)}: if: ${p.message}`,
        });
      }
    });
  }
  return { problems, named };
}

/**
 * The phases with every step's `depends_on` extended by the steps its `if:` names, so that the cycle check sees
 * the implied dependencies. Explicit entries keep their indexes.
 */
export function withImpliedNeeds(phases: Phases, named: ConditionCheck["named"]): Phases {
  const out: Record<string, Phases[string]> = {};
  for (const [phaseId, phase] of Object.entries(phases)) {
    out[phaseId] = {
      ...phase,
      steps: phase.steps.map((step) => {
        const implied = [...(named.get(step.id)?.keys() ?? [])].filter(
          (id) => !step.depends_on?.includes(id),
        );
        return implied.length === 0
          ? step
          : { ...step, depends_on: [...(step.depends_on ?? []), ...implied] };
      }),
    };
  }
  return out;
}

/**
 * A cycle found on `withImpliedNeeds` phases points at a `depends_on` entry; when that entry was implied by
 * `if:`, point at the step's name inside the `if:` instead.
 */
export function pointAtCondition(problem: Problem, phases: Phases, named: ConditionCheck["named"]): Problem {
  const [, workflowId, , phaseId, , index, key, entry] = problem.path;
  if (key !== "depends_on" || typeof index !== "number" || typeof entry !== "number") return problem;
  const step = phases[String(phaseId)]?.steps[index];
  const explicit = step?.depends_on?.length ?? 0;
  if (!step || entry < explicit) return problem;
  const implied = [...(named.get(step.id)?.entries() ?? [])].filter(([id]) => !step.depends_on?.includes(id));
  const within = implied[entry - explicit]?.[1];
  return {
    ...problem,
    path: ["workflows", String(workflowId), "phases", String(phaseId), "steps", index, "if"],
    ...(within === undefined ? {} : { within }),
  };
}
