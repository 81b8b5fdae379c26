import { readFile } from "node:fs/promises";
import { loadBuiltinTemplates } from "../builtin-templates.js";
import { planWorkflow, type RunPlan } from "../core/run/plan.js";
import { formatWorkflowError, parseWorkflow } from "../core/workflow/parse-workflow.js";
import type { WorkflowFile } from "../core/workflow/workflow.schema.js";

export const DEFAULT_WORKFLOW_PATH = ".agents/workflow.yaml";

/** A user mistake the CLI reports with exit code 2. */
export class UsageError extends Error {}

export type LoadedFile =
  | { ok: true; file: WorkflowFile }
  | { ok: false; errors: string[] }
  | { ok: "missing" };

/** `PHASEGATE_ALLOWED_MODELS` as a list; undefined when unset or empty (any model is allowed). */
export function allowedModels(env: NodeJS.ProcessEnv): string[] | undefined {
  const list = env.PHASEGATE_ALLOWED_MODELS?.split(",")
    .map((m) => m.trim())
    .filter(Boolean);
  return list?.length ? list : undefined;
}

/** Reads and validates a workflow file; `missing` when it does not exist. */
export async function loadWorkflowFile(path: string, env: NodeJS.ProcessEnv): Promise<LoadedFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { ok: "missing" };
    throw err;
  }
  const models = allowedModels(env);
  const result = parseWorkflow(text, {
    file: path,
    templates: loadBuiltinTemplates(),
    ...(models ? { allowedModels: models } : {}),
  });
  return result.ok
    ? { ok: true, file: result.workflow }
    : { ok: false, errors: result.errors.map(formatWorkflowError) };
}

/**
 * Picks the workflow to run, like `/agents run [workflow|template]`: a workflow of the file by id, else a
 * built-in template by name; with no name, the file's only workflow (or its only pull_request one).
 */
export function chooseWorkflow(
  file: WorkflowFile | null,
  name: string | undefined,
  env: NodeJS.ProcessEnv,
): RunPlan {
  const maxTokens = Number(env.PHASEGATE_MAX_TOKENS_PER_RUN ?? 500_000);
  const templates = loadBuiltinTemplates();
  if (file && name && file.workflows[name]) return planWorkflow(file, name, { maxTokens });
  if (name && templates[name] !== undefined) {
    const parsed = parseWorkflow(templates[name], { file: `workflows/${name}.yaml`, templates });
    if (!parsed.ok) throw new Error(parsed.errors.map(formatWorkflowError).join("\n"));
    // A template runs with the repository's settings and personas when there is a file.
    const merged: WorkflowFile = {
      ...parsed.workflow,
      ...(file?.settings ? { settings: file.settings } : {}),
      ...(file?.agents ? { agents: file.agents } : {}),
    };
    return planWorkflow(merged, name, { maxTokens });
  }
  const known = [
    ...Object.keys(file?.workflows ?? {}),
    ...Object.keys(templates).map((t) => `${t} (template)`),
  ];
  if (name) throw new UsageError(`unknown workflow or template "${name}" (known: ${known.join(", ")})`);
  if (!file) {
    throw new UsageError(
      `no ${DEFAULT_WORKFLOW_PATH} here: pass --workflow with a template (${Object.keys(templates).join(", ")})`,
    );
  }
  const ids = Object.keys(file.workflows);
  const onPr = ids.filter((id) => file.workflows[id]?.on?.pull_request !== undefined);
  const only = ids.length === 1 ? ids[0] : onPr.length === 1 ? onPr[0] : undefined;
  if (!only) throw new UsageError(`several workflows (${ids.join(", ")}): pick one with --workflow`);
  return planWorkflow(file, only, { maxTokens });
}
