import type { JobRepo } from "../../core/webhooks/webhook-job.js";
import { parseWorkflow, WORKFLOW_FILE, type WorkflowError } from "../../core/workflow/parse-workflow.js";
import type { WorkflowFile } from "../../core/workflow/workflow.schema.js";
import type { AppServices } from "../services.js";

/** The repository's `.agents/workflow.yaml` from its default branch, parsed. */
export type WorkflowConfig =
  | { readonly kind: "none" }
  | { readonly kind: "invalid"; readonly errors: readonly WorkflowError[] }
  | { readonly kind: "valid"; readonly file: WorkflowFile; readonly text: string };

/**
 * The workflow file from the DEFAULT branch only (a PR can never loosen its own gates): one GET of the contents
 * in the raw media type. No file: `none`, and the app stays silent on the repository.
 */
export async function loadWorkflowConfig(s: AppServices, repo: JobRepo): Promise<WorkflowConfig> {
  const text = await readWorkflowText(s, repo, repo.defaultBranch);
  return text === null ? { kind: "none" } : parseConfig(s, text);
}

/** Parses a workflow file's text with the server's templates and allowed models. */
export function parseConfig(s: AppServices, text: string): WorkflowConfig {
  const parsed = parseWorkflow(text, {
    file: WORKFLOW_FILE,
    templates: s.templates,
    allowedModels: s.env.PHASEGATE_ALLOWED_MODELS,
  });
  return parsed.ok
    ? { kind: "valid", file: parsed.workflow, text }
    : { kind: "invalid", errors: parsed.errors };
}

/** `.agents/workflow.yaml` at `ref` (a branch or SHA), or null when it does not exist there. */
export async function readWorkflowText(s: AppServices, repo: JobRepo, ref: string): Promise<string | null> {
  const octokit = await s.octokit(repo.installationId);
  try {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
      owner: repo.owner,
      repo: repo.name,
      path: WORKFLOW_FILE,
      ref,
      mediaType: { format: "raw" },
    });
    return decode(data);
  } catch (err) {
    if ((err as { status?: number }).status === 404) return null;
    throw err;
  }
}

/** Octokit returns the raw media type as text or, for content types it does not know as text, as bytes. */
function decode(data: unknown): string {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
  if (ArrayBuffer.isView(data)) return new TextDecoder().decode(data as Uint8Array);
  // A JSON answer means the path is a directory or the media type was ignored: not a workflow file.
  throw new Error(`${WORKFLOW_FILE} is not a file`);
}
