import type { FileDiff } from "../../core/diff/diff.js";
import type { JobRepo } from "../../core/webhooks/webhook-job.js";
import { WORKFLOW_FILE } from "../../core/workflow/parse-workflow.js";
import type { AppServices } from "../services.js";
import { parseConfig, readWorkflowText } from "./config.js";
import { postConfigCheck, workflowFileCheck } from "./config-check.js";

/**
 * A PR that edits `.agents/workflow.yaml` gets its NEW file (at the head SHA) validated on the check
 * `agents / workflow file`; its runs keep using the default branch's file.
 */
export async function checkEditedWorkflowFile(
  s: AppServices,
  repo: JobRepo,
  headSha: string,
  files: readonly FileDiff[],
): Promise<void> {
  const edit = files.find((f) => f.path === WORKFLOW_FILE || f.oldPath === WORKFLOW_FILE);
  if (!edit) return;
  const ledger = await s.github.effect(`config:${repo.fullName}@${headSha}`, "agents / workflow file");
  if (ledger?.state === "done") return;
  const gone = edit.path !== WORKFLOW_FILE || edit.status === "deleted";
  const text = gone ? null : await readWorkflowText(s, repo, headSha);
  const config = text === null ? null : parseConfig(s, text);
  const errors = config === null ? null : config.kind === "invalid" ? config.errors : [];
  await postConfigCheck(s, repo, headSha, workflowFileCheck(repo, headSha, errors));
}
