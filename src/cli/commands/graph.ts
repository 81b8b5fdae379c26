import { resolve } from "node:path";
import { toMermaid } from "../../core/present/mermaid.js";
import { chooseWorkflow, DEFAULT_WORKFLOW_PATH, loadWorkflowFile } from "../load-workflow.js";
import type { Io } from "../output.js";

/** `phasegate graph [--workflow id] [--file path]`: the workflow's DAG as a Mermaid flowchart on stdout. */
export async function graphCommand(opts: { workflow?: string; file?: string }, io: Io): Promise<number> {
  const loaded = await loadWorkflowFile(resolve(io.cwd, opts.file ?? DEFAULT_WORKFLOW_PATH), io.env);
  if (loaded.ok === false) {
    for (const e of loaded.errors) io.err(`${e}\n`);
    return 1;
  }
  const plan = chooseWorkflow(loaded.ok === true ? loaded.file : null, opts.workflow, io.env);
  io.out(toMermaid(plan));
  return 0;
}
