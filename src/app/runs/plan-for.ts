import { planWorkflow, type RunPlan } from "../../core/run/plan.js";
import { formatWorkflowError, parseWorkflow } from "../../core/workflow/parse-workflow.js";
import type { WorkflowDef, WorkflowFile } from "../../core/workflow/workflow.schema.js";
import type { AppServices } from "../services.js";

/** A workflow to run: from the repository's file, or a built-in template. */
export interface ChosenWorkflow {
  readonly id: string;
  readonly def: WorkflowDef;
  readonly plan: RunPlan;
  readonly fromTemplate: boolean;
}

/**
 * The plan of workflow `id`: the file's workflow of that id, else the built-in template of that name (run with
 * the file's settings and personas when there is a file), else null.
 */
export function chooseWorkflow(s: AppServices, file: WorkflowFile | null, id: string): ChosenWorkflow | null {
  const maxTokens = s.env.PHASEGATE_MAX_TOKENS_PER_RUN;
  const own = file?.workflows[id];
  if (file && own) return { id, def: own, plan: planWorkflow(file, id, { maxTokens }), fromTemplate: false };
  const text = s.templates[id];
  if (text === undefined) return null;
  const parsed = parseWorkflow(text, {
    file: `workflows/${id}.yaml`,
    templates: s.templates,
    allowedModels: s.env.PHASEGATE_ALLOWED_MODELS,
  });
  if (!parsed.ok) throw new Error(parsed.errors.map(formatWorkflowError).join("\n"));
  const def = parsed.workflow.workflows[id];
  if (!def) throw new Error(`template "${id}" has no workflow "${id}"`);
  const merged: WorkflowFile = {
    ...parsed.workflow,
    ...(file?.settings ? { settings: file.settings } : {}),
    ...(file?.agents ? { agents: file.agents } : {}),
  };
  return { id, def, plan: planWorkflow(merged, id, { maxTokens }), fromTemplate: true };
}
