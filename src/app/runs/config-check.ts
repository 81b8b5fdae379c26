import type { JobRepo } from "../../core/webhooks/webhook-job.js";
import {
  formatWorkflowError,
  WORKFLOW_FILE,
  type WorkflowError,
} from "../../core/workflow/parse-workflow.js";
import { GitHubWriteUncertainError } from "../../github/errors.js";
import type { AppServices } from "../services.js";

/** The overall check: an invalid file on the default branch fails it and nothing runs. */
export const INVALID_CONFIG_CHECK = "agents";
/** The check on a PR that edits the workflow file: its new file, validated (it applies once merged). */
export const WORKFLOW_FILE_CHECK = "agents / workflow file";

const ANNOTATIONS_PER_REQUEST = 50;
const MAX_LISTED_ERRORS = 200;

type Conclusion = "success" | "failure" | "neutral";

interface ConfigCheck {
  readonly name: string;
  readonly conclusion: Conclusion;
  readonly title: string;
  readonly summary: string;
  readonly errors: readonly WorkflowError[];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function errorList(errors: readonly WorkflowError[]): string {
  const shown = errors.slice(0, MAX_LISTED_ERRORS).map((e) => `- ${formatWorkflowError(e)}`);
  if (errors.length > shown.length) shown.push(`- … and ${errors.length - shown.length} more`);
  return shown.join("\n");
}

/** The failing `agents` check of an invalid default-branch file. */
export function invalidConfigCheck(repo: JobRepo, errors: readonly WorkflowError[]): ConfigCheck {
  return {
    name: INVALID_CONFIG_CHECK,
    conclusion: "failure",
    title: `${WORKFLOW_FILE} is invalid: ${plural(errors.length, "error")}`,
    summary:
      `Nothing ran: phasegate reads \`${WORKFLOW_FILE}\` from the default branch (\`${repo.defaultBranch}\`), ` +
      `and it has ${plural(errors.length, "error")}:\n\n${errorList(errors)}\n\n` +
      `Fix the file on \`${repo.defaultBranch}\`; \`phasegate validate\` checks it locally.`,
    errors,
  };
}

/** `agents / workflow file` for a PR's new workflow file (null text: the PR deletes it). */
export function workflowFileCheck(
  repo: JobRepo,
  sha: string,
  errors: readonly WorkflowError[] | null,
): ConfigCheck {
  const where = `the \`${WORKFLOW_FILE}\` of this pull request (at ${sha.slice(0, 7)})`;
  const applies = `Runs on this pull request still use the file on \`${repo.defaultBranch}\`; this one applies once merged.`;
  if (errors === null) {
    return {
      name: WORKFLOW_FILE_CHECK,
      conclusion: "neutral",
      title: "removed; the app goes silent on this repository once merged",
      summary: `This pull request deletes \`${WORKFLOW_FILE}\`. ${applies}`,
      errors: [],
    };
  }
  if (errors.length === 0) {
    return {
      name: WORKFLOW_FILE_CHECK,
      conclusion: "success",
      title: "valid; applies once merged",
      summary: `${where.charAt(0).toUpperCase()}${where.slice(1)} is valid. ${applies}`,
      errors: [],
    };
  }
  return {
    name: WORKFLOW_FILE_CHECK,
    conclusion: "failure",
    title: `${WORKFLOW_FILE} is invalid: ${plural(errors.length, "error")}`,
    summary: `${where.charAt(0).toUpperCase()}${where.slice(1)} has ${plural(errors.length, "error")}:\n\n${errorList(errors)}\n\n${applies}`,
    errors,
  };
}

function annotation(e: WorkflowError) {
  return {
    path: WORKFLOW_FILE,
    start_line: e.line,
    end_line: e.line,
    start_column: e.col,
    end_column: e.col,
    annotation_level: "failure" as const,
    title: "Invalid workflow file",
    message: e.message,
  };
}

/**
 * Posts a completed config check on `sha` once: the effects ledger (pseudo run id `config:<repo>@<sha>`, key
 * = the check's name) makes a redelivery or a restart a no-op. Annotations go 50 per request: the rest by PATCH.
 */
export async function postConfigCheck(
  s: AppServices,
  repo: JobRepo,
  sha: string,
  check: ConfigCheck,
): Promise<void> {
  const ledger = `config:${repo.fullName}@${sha}`;
  const seen = await s.github.effect(ledger, check.name);
  if (seen?.state === "done") return;
  const octokit = await s.octokit(repo.installationId);
  const params = { owner: repo.owner, repo: repo.name };
  if (seen?.state === "pending") {
    // An earlier POST may have landed: adopt our check run of that name rather than post a second.
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
      ...params,
      ref: sha,
      check_name: check.name,
      filter: "all",
    });
    const ours = data.check_runs.find((c) => c.app?.id === s.appId);
    if (ours) {
      await s.github.putEffect(
        ledger,
        check.name,
        { state: "done", githubId: String(ours.id), data: null },
        s.now(),
      );
      return;
    }
  }
  await s.github.putEffect(ledger, check.name, { state: "pending", githubId: null, data: null }, s.now());
  const batches: ReturnType<typeof annotation>[][] = [];
  for (let i = 0; i < check.errors.length; i += ANNOTATIONS_PER_REQUEST) {
    batches.push(check.errors.slice(i, i + ANNOTATIONS_PER_REQUEST).map(annotation));
  }
  const output = (annotations: ReturnType<typeof annotation>[] | undefined) => ({
    title: check.title,
    summary: check.summary,
    ...(annotations ? { annotations } : {}),
  });
  let id: number;
  try {
    const { data } = await octokit.request("POST /repos/{owner}/{repo}/check-runs", {
      ...params,
      name: check.name,
      head_sha: sha,
      status: "completed",
      conclusion: check.conclusion,
      output: output(batches[0]),
    });
    id = Number(data.id);
  } catch (err) {
    if (err instanceof GitHubWriteUncertainError) {
      s.log.warn({ repo: repo.fullName, sha, check: check.name }, "config check may not have been created");
    }
    throw err;
  }
  await s.github.putEffect(
    ledger,
    check.name,
    { state: "pending", githubId: String(id), data: null },
    s.now(),
  );
  for (const batch of batches.slice(1)) {
    await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
      ...params,
      check_run_id: id,
      output: output(batch),
    });
  }
  await s.github.putEffect(ledger, check.name, { state: "done", githubId: String(id), data: null }, s.now());
}
