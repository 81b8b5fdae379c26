import { onIssues, onPullRequest } from "../../core/webhooks/pr-trigger.js";
import type { JobRepo } from "../../core/webhooks/webhook-job.js";
import { WORKFLOW_FILE } from "../../core/workflow/parse-workflow.js";
import type { WorkflowFile } from "../../core/workflow/workflow.schema.js";
import type { AppServices } from "../services.js";
import { loadWorkflowConfig } from "./config.js";
import { invalidConfigCheck, postConfigCheck } from "./config-check.js";
import { fetchIssue, fetchPullRequest, type IssueView } from "./github-subjects.js";
import { cancelRuns, isOpen, runsOf } from "./open-runs.js";
import { type ChosenWorkflow, chooseWorkflow } from "./plan-for.js";
import { prFilesAt } from "./pr-files.js";
import { issueFacts, knownPusher, pullRequestFacts, startRun } from "./start-run.js";

/** `started`: the ids of the runs started, in the order of the file (or the one named). */
type Outcome = { readonly started: readonly string[] } | { readonly error: string };

/** What `/agents run` with no target starts: every workflow of the file triggered by this kind of subject. */
function triggered(file: WorkflowFile, isPullRequest: boolean): string[] {
  return Object.entries(file.workflows)
    .filter(([, def]) => (isPullRequest ? onPullRequest(def) : onIssues(def)))
    .map(([id]) => id);
}

function known(s: AppServices, file: WorkflowFile | null): string {
  const ids = Object.keys(file?.workflows ?? {}).map((id) => `\`${id}\``);
  const templates = Object.keys(s.templates).map((t) => `\`${t}\` (template)`);
  return [...ids, ...templates].join(", ");
}

/** `/agents run [workflow|template]`: starts (or restarts) runs on a PR or issue; what happened, for the reply. */
export async function startRunFromCommand(
  s: AppServices,
  args: {
    readonly repo: JobRepo;
    readonly number: number;
    readonly isPullRequest: boolean;
    readonly target: string | null;
    readonly sender: string;
  },
): Promise<Outcome> {
  const { repo, number, isPullRequest, target, sender } = args;
  // 1. The default branch's file; an invalid one runs nothing (not even a template: fail closed).
  const config = await loadWorkflowConfig(s, repo);
  const file = config.kind === "valid" ? config.file : null;

  // 2. The subject as it is now.
  const pr = isPullRequest ? await fetchPullRequest(s, repo, number) : null;
  const issue = isPullRequest ? null : await fetchIssue(s, repo, number);
  if ((pr ?? issue)?.state !== "open") {
    return { error: `this ${isPullRequest ? "pull request" : "issue"} is closed: nothing was started` };
  }
  if (config.kind === "invalid") {
    if (pr) await postConfigCheck(s, repo, pr.headSha, invalidConfigCheck(repo, config.errors));
    return {
      error: `\`${WORKFLOW_FILE}\` on \`${repo.defaultBranch}\` is invalid (${config.errors.length} errors): fix it first`,
    };
  }

  // 3. What to run.
  let chosen: ChosenWorkflow[];
  if (target === null) {
    if (!file) {
      return {
        error: `no \`${WORKFLOW_FILE}\` on \`${repo.defaultBranch}\`: name a template, one of ${known(s, null)}`,
      };
    }
    const ids = triggered(file, isPullRequest);
    if (ids.length === 0) {
      const kind = isPullRequest ? "pull_request" : "issues";
      return {
        error: `no workflow of \`${WORKFLOW_FILE}\` runs on \`${kind}\`: name one of ${known(s, file)}`,
      };
    }
    chosen = ids.map((id) => chooseWorkflow(s, file, id)).filter((c): c is ChosenWorkflow => c !== null);
  } else {
    const one = chooseWorkflow(s, file, target);
    if (!one) return { error: `unknown workflow or template \`${target}\`; known: ${known(s, file)}` };
    chosen = [one];
  }

  // 4. Restart: open runs of these workflows on the subject stop first.
  const runs = await runsOf(s, repo, number);
  const ids = new Set(chosen.map((c) => c.id));
  const restarted = runs.filter((r) => isOpen(r) && ids.has(r.plan.workflowId));
  await cancelRuns(s, restarted, sender, `restarted by @${sender}`);

  // 5. Start; the slash-command module audits each run it is told about.
  const facts = pr
    ? pullRequestFacts(
        repo,
        pr,
        await prFilesAt(s, { ...repoKey(repo), number, headSha: pr.headSha }),
        await knownPusher(s, repo, pr, runs),
      )
    : issueFacts(repo, issue as IssueView);
  const started: string[] = [];
  for (const c of chosen) started.push((await startRun(s, c.plan, facts, sender, null)).id);
  return { started };
}

/** The fields of a repository that `prFilesAt` keys on. */
export function repoKey(repo: JobRepo) {
  return { installationId: repo.installationId, owner: repo.owner, name: repo.name };
}
