import { describe, expect, test } from "vitest";
import { commandText } from "../../../src/app/commands/command-context.js";
import {
  cancelledText,
  notCountedText,
  nothingWaitsText,
  notWaitingText,
  unevaluableText,
} from "../../../src/app/commands/gate-replies.js";
import { gateSpec } from "../../../src/core/gates/gate-facts.js";
import type { RunState } from "../../../src/core/run/run-state.js";
import { planOf, queuedRun } from "../../core/helpers.js";

const Z = "\u200b";
const gate = (w: Record<string, unknown>) => gateSpec({ id: "prod-approval", with: w }, 0);

describe("why an approval did not count", () => {
  test.each([
    [
      {},
      "has only read access",
      `@bob: approving \`prod-approval\` needs write permission (@${Z}bob has only read access).`,
    ],
    [
      { from: ["@acme/release"] },
      "is not @acme/release",
      `@bob: approving \`prod-approval\` needs write permission and membership of @${Z}acme/release (@${Z}bob is not @${Z}acme/release).`,
    ],
    [
      { from: ["octocat", "@acme/release", "@acme/sre"] },
      "is not @acme/release or @octocat",
      `@bob: approving \`prod-approval\` needs write permission and membership of @${Z}acme/release or @${Z}acme/sre or being @${Z}octocat (@${Z}bob is not @${Z}acme/release or @${Z}octocat).`,
    ],
    [
      { from: "codeowners" },
      "owns none of the changed files",
      `@bob: approving \`prod-approval\` needs write permission and owning one of the changed files (CODEOWNERS) (@${Z}bob owns none of the changed files).`,
    ],
    [{}, "is the PR author", "@bob: the PR author cannot count for approving `prod-approval`."],
    [{}, "pushed the last commit", "@bob: the last pusher cannot count for approving `prod-approval`."],
    [
      {},
      "approved before the gate started waiting",
      "@bob: `prod-approval` was not waiting yet when you approved it: say it again now.",
    ],
  ])("%j / %s", (w, reason, text) => {
    expect(notCountedText("bob", "approve", gate(w), reason)).toBe(text);
  });

  test("rejections and issues say so", () => {
    expect(notCountedText("ivy", "reject", gate({}), "is the PR author", "issue")).toBe(
      "@ivy: the issue author cannot count for rejecting `prod-approval`.",
    );
  });
});

test("commands are quoted as typed, with the run's prefix", () => {
  expect(commandText("/bot", { type: "skip", step: "lint", reason: "flaky" })).toBe("`/bot skip lint`");
  expect(commandText("/agents", { type: "retry", step: null })).toBe("`/agents retry`");
  expect(commandText("/agents", { type: "run", target: "code-review" })).toBe("`/agents run code-review`");
});

describe("why a command cannot act on a gate", () => {
  const HEAD = "abc1234def5678abc1234def5678abc1234def56";
  const run = (over: Partial<RunState> = {}): RunState => ({
    ...queuedRun(planOf({ deploy: ["prod-approval:approval"] })),
    ...over,
  });
  const closed: Partial<RunState> = {
    status: "cancelled",
    reason: "cancelled by @alice: the pull request was closed",
  };

  test("a cancelled run says who cancelled it and why, without pinging anyone", () => {
    expect(cancelledText("cancelled by @alice: the pull request was closed")).toBe(
      `the run was cancelled by @${Z}alice (the pull request was closed)`,
    );
    expect(cancelledText("superseded by def5678")).toBe("the run was cancelled (superseded by def5678)");
    expect(cancelledText("the pull request was closed")).toBe(
      "the run was cancelled (the pull request was closed)",
    );
    expect(cancelledText(null)).toBe("the run was cancelled");
  });

  test("a named gate that is not waiting", () => {
    expect(notWaitingText("bob", run(), "prod-approval")).toBe(
      "@bob: `prod-approval` is not waiting for approval (it is queued).",
    );
    expect(notWaitingText("bob", run(closed), "prod-approval")).toBe(
      `@bob: \`prod-approval\` is not waiting for approval: the run was cancelled by @${Z}alice (the pull request was closed).`,
    );
  });

  test("no gate named and none waiting", () => {
    expect(nothingWaitsText("bob", [run({ status: "succeeded" })])).toBe(
      "@bob: no approval gate is waiting.",
    );
    expect(nothingWaitsText("bob", [run(closed), run({ status: "cancelled", reason: null })])).toBe(
      `@bob: no approval gate is waiting: the run was cancelled by @${Z}alice (the pull request was closed).`,
    );
    expect(nothingWaitsText("bob", [run(closed), run({ status: "waiting" })])).toBe(
      "@bob: no approval gate is waiting.",
    );
  });

  test("a recorded approve or reject that could not be evaluated", () => {
    expect(unevaluableText("bob", "approve", "prod-approval", HEAD, { why: "closed" })).toBe(
      "@bob: `prod-approval` cannot be approved: the pull request was closed without merging.",
    );
    const moved = { why: "moved" as const, headSha: "fedcba9876543210fedcba9876543210fedcba98" };
    expect(unevaluableText("bob", "reject", "prod-approval", HEAD, moved)).toBe(
      "@bob: `prod-approval` was not rejected: the pull request moved on from abc1234 to fedcba9; reject again when the gate waits on fedcba9.",
    );
  });
});
