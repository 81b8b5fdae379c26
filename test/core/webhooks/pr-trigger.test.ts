import { describe, expect, test } from "vitest";
import {
  issueWorkflowsToStart,
  type PullRequestSubject,
  pullRequestMismatch,
  workflowsToStart,
  workflowsUnlabeled,
} from "../../../src/core/webhooks/pr-trigger.js";
import type { WorkflowDef, WorkflowFile } from "../../../src/core/workflow/workflow.schema.js";

const phases = { p: { steps: [{ id: "a", uses: "agent" as const, prompt: "x" }] } };
const wf = (on: WorkflowDef["on"]): WorkflowDef => ({ on, phases });
const pr = (patch: Partial<PullRequestSubject> = {}): PullRequestSubject => ({
  baseRef: "main",
  labels: [],
  changedFiles: ["src/index.ts"],
  draft: false,
  ...patch,
});
const file = (workflows: Record<string, WorkflowDef>): WorkflowFile => ({ version: 1, workflows });

describe("pullRequestMismatch", () => {
  test("no pull_request trigger", () => {
    expect(pullRequestMismatch(wf(undefined), pr())).toBe("trigger");
    expect(pullRequestMismatch(wf({ issues: { labels: ["x"] } }), pr())).toBe("trigger");
  });
  test("`pull_request:` with nothing after it (null) matches every non-draft PR", () => {
    expect(pullRequestMismatch(wf({ pull_request: null }), pr())).toBeNull();
    expect(pullRequestMismatch(wf({ pull_request: null }), pr({ draft: true }))).toBe("drafts");
    expect(pullRequestMismatch(wf({ pull_request: { drafts: true } }), pr({ draft: true }))).toBeNull();
  });
  test("labels: any one of them, without case", () => {
    const def = wf({ pull_request: { labels: ["agents", "review-me"] } });
    expect(pullRequestMismatch(def, pr({ labels: ["bug"] }))).toBe("labels");
    expect(pullRequestMismatch(def, pr({ labels: ["bug", "Review-Me"] }))).toBeNull();
  });
  test("branches: base-branch globs", () => {
    const def = wf({ pull_request: { branches: ["main", "release/*"] } });
    expect(pullRequestMismatch(def, pr({ baseRef: "release/1.2" }))).toBeNull();
    expect(pullRequestMismatch(def, pr({ baseRef: "develop" }))).toBe("branches");
  });
  test("paths: one changed file must match", () => {
    const def = wf({ pull_request: { paths: ["src/**", "lib/*.ts"] } });
    expect(pullRequestMismatch(def, pr({ changedFiles: ["docs/a.md", "src/deep/x.ts"] }))).toBeNull();
    expect(pullRequestMismatch(def, pr({ changedFiles: ["docs/a.md"] }))).toBe("paths");
    expect(
      pullRequestMismatch(
        wf({ pull_request: { paths: [".github/**"] } }),
        pr({ changedFiles: [".github/ci.yml"] }),
      ),
    ).toBeNull();
  });
});

describe("workflowsToStart", () => {
  const f = file({
    always: wf({ pull_request: null }),
    labelled: wf({ pull_request: { labels: ["agents"] } }),
    issues: wf({ issues: { labels: ["agents"] } }),
    manual: wf(undefined),
  });
  test("opened, synchronize …: every workflow whose filters hold, in file order", () => {
    expect(workflowsToStart(f, "opened", pr(), null)).toEqual(["always"]);
    expect(workflowsToStart(f, "synchronize", pr({ labels: ["agents"] }), null)).toEqual([
      "always",
      "labelled",
    ]);
  });
  test("labeled: only workflows listing the added label", () => {
    expect(workflowsToStart(f, "labeled", pr({ labels: ["agents"] }), "agents")).toEqual(["labelled"]);
    expect(workflowsToStart(f, "labeled", pr({ labels: ["agents", "bug"] }), "bug")).toEqual([]);
    // Removed again before we looked: the PR no longer has it.
    expect(workflowsToStart(f, "labeled", pr({ labels: [] }), "agents")).toEqual([]);
  });
  test("unlabeled: workflows left with none of their labels", () => {
    const two = file({ w: wf({ pull_request: { labels: ["a", "b"] } }), x: wf({ pull_request: null }) });
    expect(workflowsUnlabeled(two, ["b"])).toEqual([]);
    expect(workflowsUnlabeled(two, ["c"])).toEqual(["w"]);
  });
});

test("issueWorkflowsToStart: opened with a trigger label, or labeled with one", () => {
  const f = file({ plan: wf({ issues: { labels: ["agents:plan"] } }), pr: wf({ pull_request: null }) });
  expect(issueWorkflowsToStart(f, "opened", ["agents:plan"], null)).toEqual(["plan"]);
  expect(issueWorkflowsToStart(f, "opened", ["bug"], null)).toEqual([]);
  expect(issueWorkflowsToStart(f, "labeled", ["agents:plan", "bug"], "bug")).toEqual([]);
  expect(issueWorkflowsToStart(f, "labeled", ["Agents:Plan"], "Agents:Plan")).toEqual(["plan"]);
});
