import type { JobRepo } from "../../core/webhook-job.js";
import type { WorkflowFile } from "../../core/workflow.schema.js";
import type { AppServices } from "../services.js";

/** The repository's `.agents/workflow.yaml` from its default branch, parsed. */
export type WorkflowConfig =
  | { readonly kind: "none" }
  | { readonly kind: "invalid"; readonly errors: readonly unknown[] }
  | { readonly kind: "valid"; readonly file: WorkflowFile; readonly text: string };

export async function loadWorkflowConfig(_s: AppServices, _repo: JobRepo): Promise<WorkflowConfig> {
  throw new Error("not built yet");
}

/** `/agents run [workflow|template]`: starts (or restarts) runs on a PR or issue; what happened, for the reply. */
export async function startRunFromCommand(
  _s: AppServices,
  _args: {
    readonly repo: JobRepo;
    readonly number: number;
    readonly isPullRequest: boolean;
    readonly target: string | null;
    readonly sender: string;
  },
): Promise<{ readonly started: readonly string[] } | { readonly error: string }> {
  throw new Error("not built yet");
}
