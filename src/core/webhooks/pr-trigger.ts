import { matchesAnyGlob } from "../run/when.js";
import type { WorkflowDef, WorkflowFile } from "../workflow/workflow.schema.js";

/** What the trigger filters of a workflow read about a pull request, as GitHub reports it now. */
export interface PullRequestSubject {
  readonly baseRef: string;
  readonly labels: readonly string[];
  readonly changedFiles: readonly string[];
  readonly draft: boolean;
}

/** The `pull_request` actions that may start runs. */
export type StartAction = "opened" | "reopened" | "synchronize" | "ready_for_review" | "labeled";

type PullRequestTrigger = NonNullable<NonNullable<WorkflowDef["on"]>["pull_request"]>;

/** GitHub treats label names without case. */
function hasLabel(labels: readonly string[], name: string): boolean {
  const n = name.toLowerCase();
  return labels.some((l) => l.toLowerCase() === n);
}

/** Does the workflow run on pull requests at all (`on.pull_request`, with or without filters)? */
export function onPullRequest(def: WorkflowDef): boolean {
  return def.on?.pull_request !== undefined;
}

/** Does the workflow run on issues (`on.issues`)? */
export function onIssues(def: WorkflowDef): boolean {
  return def.on?.issues !== undefined;
}

/**
 * Why the workflow's `on.pull_request` filters do not hold for this PR, or null when they all do:
 * drafts (skipped unless `drafts: true`), labels (any of them on the PR), branches (base-branch globs),
 * paths (a changed file matches a glob).
 *
 * @example pullRequestMismatch({ on: { pull_request: { labels: ["agents"] } } }, pr) // "labels" without the label
 */
export function pullRequestMismatch(
  def: WorkflowDef,
  pr: PullRequestSubject,
): "trigger" | "drafts" | "labels" | "branches" | "paths" | null {
  if (!onPullRequest(def)) return "trigger";
  const t: PullRequestTrigger | Record<string, never> = def.on?.pull_request ?? {};
  if (pr.draft && t.drafts !== true) return "drafts";
  if (t.labels && !t.labels.some((l) => hasLabel(pr.labels, l))) return "labels";
  if (t.branches && !matchesAnyGlob(t.branches, [pr.baseRef])) return "branches";
  if (t.paths && !matchesAnyGlob(t.paths, pr.changedFiles)) return "paths";
  return null;
}

/**
 * The ids of the workflows a `pull_request` action starts, in file order. `labeled` starts only workflows that
 * list the added label; every other start action starts every workflow whose filters hold.
 */
export function workflowsToStart(
  file: WorkflowFile,
  action: StartAction,
  pr: PullRequestSubject,
  addedLabel: string | null,
): string[] {
  return Object.entries(file.workflows)
    .filter(([, def]) => {
      if (pullRequestMismatch(def, pr) !== null) return false;
      if (action !== "labeled") return true;
      const labels = def.on?.pull_request?.labels;
      return addedLabel !== null && labels !== undefined && hasLabel(labels, addedLabel);
    })
    .map(([id]) => id);
}

/**
 * Workflows whose runs stop after a label was removed: those with a `labels` filter of which the PR now has
 * none.
 */
export function workflowsUnlabeled(file: WorkflowFile, labelsNow: readonly string[]): string[] {
  return Object.entries(file.workflows)
    .filter(([, def]) => {
      const labels = def.on?.pull_request?.labels;
      return labels !== undefined && !labels.some((l) => hasLabel(labelsNow, l));
    })
    .map(([id]) => id);
}

/**
 * The ids of the issue workflows an `issues` action starts: `opened` when the issue has one of the
 * workflow's labels, `labeled` when the added label is one of them.
 */
export function issueWorkflowsToStart(
  file: WorkflowFile,
  action: "opened" | "labeled",
  labels: readonly string[],
  addedLabel: string | null,
): string[] {
  return Object.entries(file.workflows)
    .filter(([, def]) => {
      const wanted = def.on?.issues?.labels;
      if (!wanted) return false;
      if (action === "labeled") return addedLabel !== null && hasLabel(wanted, addedLabel);
      return wanted.some((l) => hasLabel(labels, l));
    })
    .map(([id]) => id);
}
