import { describe, expect, test } from "vitest";
import { example } from "../../../bench/github-app-payloads.js";
import { jobKey, webhookJob } from "../../../src/core/webhooks/webhook-job.js";

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
const bot = { login: "phasegate[bot]", type: "Bot" };
const MARKER = "<!-- phasegate:finding 0123456789abcdef -->";

/*
 * GitHub's examples: the review comment is #284312630 by Codertocat on PR 2, created 2019-05-15T15:20:37Z
 * (1557933637000), not a reply; the first resolved thread is PRRT_kwDOEL39TM4w7XDQ on PR 118, resolved by
 * octocat, opened by comment #820867280 ("sup") of jide2020.
 */
describe("pull_request_review_comment → review_comment", () => {
  test("a reply becomes a job with the comment, what it replies to, its author and time", () => {
    const p = example("pull_request_review_comment", "created", {
      comment: { in_reply_to_id: 284312000, body: "/agents wrong  not a bug here" },
    });
    expect(translate("pull_request_review_comment", p)).toEqual({
      job: {
        type: "review_comment",
        repo,
        number: 2,
        commentId: 284312630,
        inReplyTo: 284312000,
        body: "/agents wrong  not a bug here",
        author: "Codertocat",
        at: 1557933637000,
      },
    });
  });

  test("a reply without a body or time: body empty, at = now", () => {
    const p = example("pull_request_review_comment", "created", {
      comment: { in_reply_to_id: 1, body: null, created_at: null },
    });
    expect(translate("pull_request_review_comment", p)).toMatchObject({ job: { body: "", at: NOW } });
  });

  test("a comment that starts a thread is not a reply: ignored", () => {
    expect(
      translate("pull_request_review_comment", example("pull_request_review_comment", "created")),
    ).toEqual({
      ignored: "a review comment that is not a reply",
    });
  });

  test("a reply by a bot, or sent by a bot, is ignored (our own comments come back as these events)", () => {
    const byBot = example("pull_request_review_comment", "created", {
      comment: { in_reply_to_id: 1, user: bot },
    });
    expect(translate("pull_request_review_comment", byBot)).toEqual({ ignored: "a review comment by a bot" });
    const sentByBot = example("pull_request_review_comment", "created", {
      comment: { in_reply_to_id: 1 },
      sender: bot,
    });
    expect(translate("pull_request_review_comment", sentByBot)).toEqual({
      ignored: "a review comment by a bot",
    });
  });

  test.each(["edited", "deleted"])("%s is not used", (action) => {
    const p = example("pull_request_review_comment", action, { comment: { in_reply_to_id: 1 } });
    expect(translate("pull_request_review_comment", p)).toEqual({
      ignored: `pull_request_review_comment.${action} is not used`,
    });
  });

  test("a reply without a PR number is ignored with the reason", () => {
    const p = example("pull_request_review_comment", "created", {
      comment: { in_reply_to_id: 1 },
      pull_request: { number: "2" },
    });
    expect(translate("pull_request_review_comment", p)).toEqual({
      ignored: "review comment without PR, id or user",
    });
  });
});

describe("pull_request_review_thread → review_thread", () => {
  test("a thread resolved by a person becomes a job with its first comment, at now", () => {
    expect(
      translate("pull_request_review_thread", example("pull_request_review_thread", "resolved")),
    ).toEqual({
      job: {
        type: "review_thread",
        repo,
        number: 118,
        threadId: "PRRT_kwDOEL39TM4w7XDQ",
        firstCommentId: 820867280,
        firstCommentBody: "sup",
        firstCommentByBot: false,
        sender: "octocat",
        at: NOW,
      },
    });
  });

  test("a thread opened by the app's comment says so", () => {
    const p = example("pull_request_review_thread", "resolved", {
      thread: { comments: [{ id: 77, body: `SQL injection\n${MARKER}`, user: bot }] },
    });
    expect(translate("pull_request_review_thread", p)).toEqual({
      job: {
        type: "review_thread",
        repo,
        number: 118,
        threadId: "PRRT_kwDOEL39TM4w7XDQ",
        firstCommentId: 77,
        firstCommentBody: `SQL injection\n${MARKER}`,
        firstCommentByBot: true,
        sender: "octocat",
        at: NOW,
      },
    });
  });

  test("a thread resolved by a bot (the app after a push) is not a judgement", () => {
    const p = example("pull_request_review_thread", "resolved", { sender: bot });
    expect(translate("pull_request_review_thread", p)).toEqual({ ignored: "a thread resolved by a bot" });
  });

  test("unresolved is not used", () => {
    expect(
      translate("pull_request_review_thread", example("pull_request_review_thread", "unresolved")),
    ).toEqual({
      ignored: "pull_request_review_thread.unresolved is not used",
    });
  });

  test("a thread without comments is ignored with the reason", () => {
    const p = example("pull_request_review_thread", "resolved", { thread: { comments: [] } });
    expect(translate("pull_request_review_thread", p)).toEqual({
      ignored: "review thread without PR, id or comments",
    });
  });
});

describe("jobKey of the review jobs", () => {
  test("both share their PR's key with its other events", () => {
    const reply = translate(
      "pull_request_review_comment",
      example("pull_request_review_comment", "created", {
        comment: { in_reply_to_id: 1 },
        pull_request: { number: 9 },
      }),
    );
    const thread = translate(
      "pull_request_review_thread",
      example("pull_request_review_thread", "resolved", { pull_request: { number: 9 } }),
    );
    if (!("job" in reply) || !("job" in thread)) throw new Error("expected jobs");
    expect(jobKey(reply.job)).toBe("acme/widgets#9");
    expect(jobKey(thread.job)).toBe("acme/widgets#9");
  });
});
