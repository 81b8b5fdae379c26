import { describe, expect, test } from "vitest";
import { jobKey, webhookJob } from "../../../src/core/webhooks/webhook-job.js";
import { example } from "../../app/harness.js";

const APP = 1;
const NOW = 1_700_000_000_000;
const repo = {
  owner: "acme",
  name: "widgets",
  fullName: "acme/widgets",
  installationId: 42,
  defaultBranch: "main",
};
const translate = (event: string, payload: unknown) => webhookJob(event, payload, APP, NOW);

describe("webhookJob: GitHub's example payloads become jobs", () => {
  test.each(["opened", "reopened", "synchronize", "ready_for_review", "labeled", "unlabeled", "closed"])(
    "pull_request.%s",
    (action) => {
      const p = example("pull_request", action);
      const pr = p.pull_request as { number: number; head: { sha: string }; merged: boolean | null };
      const t = translate("pull_request", p);
      expect(t).toEqual({
        job: {
          type: "pull_request",
          repo,
          action,
          number: pr.number,
          headSha: pr.head.sha,
          merged: pr.merged === true,
          label: (p.label as { name: string } | undefined)?.name ?? null,
          sender: (p.sender as { login: string }).login,
        },
      });
    },
  );

  test("pull_request actions we don't use are ignored with the reason", () => {
    expect(translate("pull_request", example("pull_request", "assigned"))).toEqual({
      ignored: "pull_request.assigned is not used",
    });
  });

  test("issues opened and labeled; an issue event about a PR is ignored", () => {
    const p = example("issues", "labeled");
    expect(translate("issues", p)).toEqual({
      job: {
        type: "issue",
        repo,
        action: "labeled",
        number: (p.issue as { number: number }).number,
        label: (p.label as { name: string }).name,
        sender: (p.sender as { login: string }).login,
      },
    });
    const onPr = example("issues", "opened", { issue: { pull_request: { url: "x" } } });
    expect(translate("issues", onPr)).toEqual({ ignored: "an issue event about a PR" });
  });

  test("issue_comment created carries the comment; edits, deletions and bots are ignored", () => {
    const p = example("issue_comment", "created", { comment: { body: "/agents status" } });
    const c = p.comment as { id: number; created_at: string; user: { login: string } };
    expect(translate("issue_comment", p)).toEqual({
      job: {
        type: "comment",
        repo,
        number: (p.issue as { number: number }).number,
        isPullRequest: Boolean((p.issue as { pull_request?: unknown }).pull_request),
        commentId: c.id,
        body: "/agents status",
        author: c.user.login,
        at: Date.parse(c.created_at),
      },
    });
    expect(translate("issue_comment", example("issue_comment", "edited"))).toEqual({
      ignored: "issue_comment.edited: only new comments are read",
    });
    const bot = example("issue_comment", "created", {
      comment: { user: { login: "phasegate[bot]", type: "Bot" } },
    });
    expect(translate("issue_comment", bot)).toEqual({ ignored: "a comment by a bot" });
  });

  test("pull_request_review submitted and dismissed re-evaluate gates", () => {
    for (const action of ["submitted", "dismissed"]) {
      const p = example("pull_request_review", action);
      expect(translate("pull_request_review", p)).toEqual({
        job: { type: "review", repo, number: (p.pull_request as { number: number }).number },
      });
    }
  });

  test("check_run: our buttons and re-runs; other apps' completed runs wake `checks` steps", () => {
    const ours = { check_run: { app: { id: APP }, external_id: "run-1/review" } };
    expect(translate("check_run", example("check_run", "requested_action", ours))).toEqual({
      job: {
        type: "check_run_action",
        repo,
        externalId: "run-1/review",
        identifier: "lgtm|26764",
        sender: "codebytere",
        at: NOW,
      },
    });
    const rerun = example("check_run", "rerequested", ours);
    expect(translate("check_run", rerun)).toEqual({
      job: {
        type: "check_run_rerequested",
        repo,
        externalId: "run-1/review",
        sender: (rerun.sender as { login: string }).login,
      },
    });
    const other = example("check_run", "completed");
    expect(translate("check_run", other)).toEqual({
      job: { type: "checks_changed", repo, sha: (other.check_run as { head_sha: string }).head_sha },
    });
    expect(translate("check_run", example("check_run", "requested_action"))).toEqual({
      ignored: "another app's check run",
    });
  });

  test("status, check_suite rerequested, deployment_status, merge_group, deployment_protection_rule", () => {
    const status = example("status", null);
    expect(translate("status", status)).toEqual({
      job: { type: "checks_changed", repo, sha: status.sha },
    });
    const suite = example("check_suite", "rerequested", {
      check_suite: { app: { id: APP } },
      sender: { login: "octocat", type: "User" },
    });
    expect(translate("check_suite", suite)).toEqual({
      job: {
        type: "check_suite_rerequested",
        repo,
        headSha: (suite.check_suite as { head_sha: string }).head_sha,
        sender: (suite.sender as { login: string }).login,
      },
    });
    expect(translate("deployment_status", example("deployment_status", "created"))).toEqual({
      ignored: "a deployment phasegate did not create",
    });
    const dep = example("deployment_status", "created", {
      deployment: { payload: { phasegate_run: "run-1" } },
      deployment_status: { state: "failure", description: "smoke tests failed" },
    });
    expect(translate("deployment_status", dep)).toEqual({
      job: {
        type: "deployment_status",
        repo,
        deploymentId: (dep.deployment as { id: number }).id,
        state: "failure",
        description: "smoke tests failed",
        runId: "run-1",
      },
    });
    const mg = example("merge_group", "checks_requested");
    const group = mg.merge_group as { head_sha: string; head_ref: string; base_sha: string };
    expect(translate("merge_group", mg)).toEqual({
      job: {
        type: "merge_group",
        repo,
        headSha: group.head_sha,
        headRef: group.head_ref,
        baseSha: group.base_sha,
      },
    });
    // Not in @octokit/webhooks-examples: GitHub's documented shape.
    const rule = {
      action: "requested",
      environment: "production",
      event: "push",
      deployment_callback_url:
        "https://api.github.com/repos/acme/widgets/actions/runs/1/deployment_protection_rule",
      deployment: { id: 7, sha: "a".repeat(40), environment: "production" },
      repository: mg.repository,
      installation: mg.installation,
      sender: { login: "octocat", type: "User" },
    };
    expect(translate("deployment_protection_rule", rule)).toEqual({
      job: {
        type: "deployment_protection_rule",
        repo,
        environment: "production",
        sha: "a".repeat(40),
        callbackUrl: rule.deployment_callback_url,
      },
    });
  });
});

describe("webhookJob: malformed input is ignored with a reason, never thrown on", () => {
  test.each([
    ["pull_request", null, "payload is not an object"],
    ["pull_request", [], "payload is not an object"],
    ["pull_request", { action: "opened" }, "no repository or installation in the payload"],
    [
      "pull_request",
      { ...example("pull_request", "opened"), pull_request: { number: "7" } },
      "pull_request without number or head",
    ],
    [
      "issue_comment",
      { ...example("issue_comment", "created"), comment: {} },
      "comment without issue or user",
    ],
    ["watch", example("pull_request", "opened"), "watch is not used"],
  ])("%s %#", (event, payload, reason) => {
    expect(translate(event, payload)).toEqual({ ignored: reason });
  });
});

describe("jobKey", () => {
  test("a PR's and an issue's events share one key; SHA and run jobs have their own", () => {
    const pr = translate("pull_request", example("pull_request", "opened", { pull_request: { number: 9 } }));
    const comment = translate("issue_comment", example("issue_comment", "created", { issue: { number: 9 } }));
    if (!("job" in pr) || !("job" in comment)) throw new Error("expected jobs");
    expect(jobKey(pr.job)).toBe("acme/widgets#9");
    expect(jobKey(comment.job)).toBe("acme/widgets#9");
    expect(jobKey({ type: "checks_changed", repo, sha: "abc" })).toBe("acme/widgets@abc");
    expect(
      jobKey({
        type: "check_run_action",
        repo,
        externalId: "run-1/review",
        identifier: "x",
        sender: "a",
        at: 1,
      }),
    ).toBe("check:run-1");
  });
});
