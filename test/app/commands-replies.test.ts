import { describe, expect, test } from "vitest";
import { commandText } from "../../src/app/commands/command-context.js";
import { notCountedText } from "../../src/app/commands/gate-replies.js";
import { gateSpec } from "../../src/core/gate-facts.js";

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
