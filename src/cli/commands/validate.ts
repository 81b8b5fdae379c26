import { resolve } from "node:path";
import { planWorkflow } from "../../core/run/plan.js";
import { DEFAULT_WORKFLOW_PATH, loadWorkflowFile, UsageError } from "../load-workflow.js";
import { type Io, paint } from "../output.js";

/** `phasegate validate [file]`: 0 when valid, 1 with every error as `file:line:col message`. */
export async function validateCommand(file: string | undefined, io: Io): Promise<number> {
  const path = file ?? DEFAULT_WORKFLOW_PATH;
  const loaded = await loadWorkflowFile(resolve(io.cwd, path), io.env);
  if (loaded.ok === "missing") throw new UsageError(`${path}: no such file`);
  if (loaded.ok === false) {
    // Errors name the path as the user typed it, so editors can jump to them.
    for (const e of loaded.errors) io.out(`${e.replace(resolve(io.cwd, path), path)}\n`);
    io.out(
      `${paint(io, "red", "✗")} ${path}: ${loaded.errors.length} error${loaded.errors.length === 1 ? "" : "s"}\n`,
    );
    return 1;
  }
  const parts = Object.keys(loaded.file.workflows).map((id) => {
    const plan = planWorkflow(loaded.file, id);
    return `${id}: ${plan.phases.length} phase${plan.phases.length === 1 ? "" : "s"}, ${plan.steps.length} step${plan.steps.length === 1 ? "" : "s"}`;
  });
  io.out(`${paint(io, "green", "✓")} ${path} is valid (${parts.join("; ")})\n`);
  return 0;
}
