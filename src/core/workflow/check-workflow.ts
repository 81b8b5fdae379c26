import { checkConditions, pointAtCondition, withImpliedNeeds } from "./check-conditions.js";
import { checkPhaseCycle, checkStepCycle } from "./check-cycles.js";
import { expectedOneOf, quote } from "./describe-value.js";
import { PR_ONLY_KINDS, type WorkflowDef, type WorkflowFile } from "./workflow.schema.js";
import type { Problem, WorkflowPath } from "./workflow-error.js";

/** Server policy the file is checked against. */
export interface CheckOptions {
  /** Models the server allows; empty or undefined allows any. */
  readonly allowedModels?: readonly string[];
}

/** Lists in messages stop here, so a 10,000-step workflow cannot produce a 10,000-id message. */
const MAX_LISTED = 20;

/** `expected one of a, b, …` over `values` other than `except`, listing at most MAX_LISTED of them. */
function oneOf(values: readonly string[], none: string, except?: string): string {
  const shown: string[] = [];
  for (const v of values) {
    if (v === except) continue;
    if (shown.length === MAX_LISTED) {
      shown.push("…");
      break;
    }
    shown.push(v);
  }
  return shown.length === 0 ? none : expectedOneOf(shown);
}

/**
 * The checks a schema cannot express, run on a file that passed the schema (templates already merged):
 * duplicate step ids, unknown `depends_on` targets and agents, `if:` expressions, phase and step cycles (`if:`
 * names count as `depends_on`), PR-only steps in an `issues` workflow, workflows without phases, and models the
 * server does not allow. Returns every problem.
 *
 * @example checkWorkflow(file, { allowedModels: ["gpt-4o-mini"] }) // [] when the file is fine
 */
export function checkWorkflow(file: WorkflowFile, opts: CheckOptions = {}): Problem[] {
  const problems = [...checkPersonas(file), ...checkModels(file, opts.allowedModels ?? [])];
  for (const [id, def] of Object.entries(file.workflows)) problems.push(...checkOne(file, id, def));
  return problems;
}

function checkPersonas(file: WorkflowFile): Problem[] {
  const agents = file.agents ?? {};
  return Object.entries(agents).flatMap(([name, agent]): Problem[] => {
    const problems: Problem[] = [];
    if (agent.model !== undefined && agent.models !== undefined) {
      problems.push({
        path: ["agents", name, "models"],
        at: "key",
        message: `agent ${quote(name)}: set either "model" or "models", not both (the first of "models" is the default)`,
      });
    }
    if (agent.fallback !== undefined) {
      if (agent.fallback === name) {
        problems.push({
          path: ["agents", name, "fallback"],
          message: `agent ${quote(name)}: fallback must be another agent`,
        });
      } else if (!Object.hasOwn(agents, agent.fallback)) {
        problems.push({
          path: ["agents", name, "fallback"],
          message: `agent ${quote(name)}: unknown fallback agent ${quote(agent.fallback)} (${oneOf(Object.keys(agents), "")})`,
        });
      }
    }
    return problems;
  });
}

function checkModels(file: WorkflowFile, allowed: readonly string[]): Problem[] {
  if (allowed.length === 0) return [];
  const refuse = (path: WorkflowPath, context: string, model: string): Problem => ({
    path,
    message: `${context}: model ${quote(model)} is not allowed on this server (${oneOf(allowed, "")})`,
  });
  const problems: Problem[] = [];
  const model = file.settings?.model;
  if (model !== undefined && !allowed.includes(model)) {
    problems.push(refuse(["settings", "model"], "settings", model));
  }
  for (const [name, agent] of Object.entries(file.agents ?? {})) {
    if (agent.model !== undefined && !allowed.includes(agent.model)) {
      problems.push(refuse(["agents", name, "model"], `agent ${quote(name)}`, agent.model));
    }
    for (const [i, m] of (agent.models ?? []).entries()) {
      if (!allowed.includes(m))
        problems.push(refuse(["agents", name, "models", i], `agent ${quote(name)}`, m));
    }
    if (agent.shadow !== undefined && !allowed.includes(agent.shadow)) {
      problems.push(refuse(["agents", name, "shadow"], `agent ${quote(name)}`, agent.shadow));
    }
    if (typeof agent.verify === "string" && !allowed.includes(agent.verify)) {
      problems.push(refuse(["agents", name, "verify"], `agent ${quote(name)}`, agent.verify));
    }
  }
  return problems;
}

function checkOne(file: WorkflowFile, workflowId: string, def: WorkflowDef): Problem[] {
  const phases = def.phases ?? {};
  const phaseIds = Object.keys(phases);
  if (phaseIds.length === 0) {
    // An unknown template keeps its key and is reported where templates are merged.
    if (def.template !== undefined) return [];
    const path: WorkflowPath = def.phases ? ["workflows", workflowId, "phases"] : ["workflows", workflowId];
    const message = `workflow ${quote(workflowId)}: no phases (expected "phases" with at least one phase, or a "template")`;
    return [{ path, at: def.phases ? "value" : "key", message }];
  }

  const problems: Problem[] = [];
  const firstPhaseOf = new Map<string, string>();
  let duplicates = false;
  for (const [phaseId, phase] of Object.entries(phases)) {
    phase.steps.forEach((step, i) => {
      const at: WorkflowPath = ["workflows", workflowId, "phases", phaseId, "steps", i];
      const seen = firstPhaseOf.get(step.id);
      if (seen === undefined) {
        firstPhaseOf.set(step.id, phaseId);
      } else {
        duplicates = true;
        problems.push({
          path: [...at, "id"],
          message: `phase ${quote(phaseId)}: duplicate step id ${quote(step.id)} (already used in phase ${quote(seen)})`,
        });
      }
    });
  }
  const stepIds = [...firstPhaseOf.keys()];
  // The spec's own example has both triggers and PR-only steps; only a workflow that can never have a PR is wrong.
  const issuesOnly = def.on?.issues !== undefined && def.on.pull_request === undefined;

  for (const [phaseId, phase] of Object.entries(phases)) {
    const base: WorkflowPath = ["workflows", workflowId, "phases", phaseId];
    (phase.depends_on ?? []).forEach((dep, j) => {
      if (Object.hasOwn(phases, dep)) return;
      problems.push({
        path: [...base, "depends_on", j],
        message: `phase ${quote(phaseId)}: depends_on: unknown phase ${quote(dep)} (${oneOf(phaseIds, "there are no other phases", phaseId)})`,
      });
    });
    phase.steps.forEach((step, i) => {
      const at: WorkflowPath = [...base, "steps", i];
      const name = `step ${quote(step.id)}`;
      (step.depends_on ?? []).forEach((dep, j) => {
        if (firstPhaseOf.has(dep)) return;
        problems.push({
          path: [...at, "depends_on", j],
          message: `${name}: depends_on: unknown step ${quote(dep)} (${oneOf(stepIds, "there are no other steps", step.id)})`,
        });
      });
      if ("agent" in step && step.agent !== undefined && !Object.hasOwn(file.agents ?? {}, step.agent)) {
        const agents = Object.keys(file.agents ?? {});
        problems.push({
          path: [...at, "agent"],
          message: `${name}: unknown agent ${quote(step.agent)} (${oneOf(agents, 'no agents are defined under "agents"')})`,
        });
      }
      if (issuesOnly && PR_ONLY_KINDS.has(step.uses)) {
        problems.push({
          path: [...at, "uses"],
          message: `${name}: kind "${step.uses}" needs a pull request, but workflow ${quote(workflowId)} runs only on issues (expected only agent and approval steps)`,
        });
      }
    });
  }

  // `if:` waits for every step it names, so those names count as dependencies in the cycle check.
  const conditions = checkConditions(workflowId, phases, stepIds);
  problems.push(...conditions.problems);

  const phaseCycle = checkPhaseCycle(workflowId, phases);
  if (phaseCycle) problems.push(phaseCycle);
  // A phase cycle implies step cycles, and duplicate ids make the step graph ambiguous: report the cause only.
  const stepCycle =
    phaseCycle || duplicates ? null : checkStepCycle(workflowId, withImpliedNeeds(phases, conditions.named));
  if (stepCycle) problems.push(pointAtCondition(stepCycle, phases, conditions.named));
  return problems;
}
