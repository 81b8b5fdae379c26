import { describe, expect, test } from "vitest";
import { parseSlashCommands, requiredPermission } from "../../../src/core/webhooks/slash-command.js";

describe("parseSlashCommands: judging a finding and resetting learning", () => {
  test.each([
    ["/agents useful", { type: "useful" }],
    ["/agents USEFUL", { type: "useful" }],
    ["/agents wrong", { type: "wrong", reason: null }],
    ["/agents wrong   ", { type: "wrong", reason: null }],
    [
      "/agents wrong not a bug:  `id` is  validated above",
      { type: "wrong", reason: "not a bug:  `id` is  validated above" },
    ],
    ["  /agents Wrong   stale   ", { type: "wrong", reason: "stale" }],
    [
      "/agents useful extra",
      {
        type: "invalid",
        command: "useful",
        problem: "takes no arguments (to say why, use `wrong [reason]`)",
      },
    ],
    ["/agents reset-learning", { type: "reset-learning", agent: null }],
    ["/agents reset-learning reviewer", { type: "reset-learning", agent: "reviewer" }],
    [
      "/agents reset-learning Bad!",
      {
        type: "invalid",
        command: "reset-learning",
        problem: "`Bad!` is not an agent id ([a-z0-9][a-z0-9_-]*)",
      },
    ],
    [
      "/agents reset-learning reviewer docs",
      { type: "invalid", command: "reset-learning", problem: "takes at most one agent id" },
    ],
  ])("%s", (body, command) => {
    expect(parseSlashCommands(body)).toEqual([command]);
  });

  test("a reply quoting the finding judges once, for the line that is not quoted", () => {
    expect(parseSlashCommands("> /agents useful\n\nThanks!\n/agents wrong already checked")).toEqual([
      { type: "wrong", reason: "already checked" },
    ]);
  });
});

describe("requiredPermission", () => {
  test("useful and wrong need write access; reset-learning admin or maintain", () => {
    expect(requiredPermission({ type: "useful" })).toBe("write");
    expect(requiredPermission({ type: "wrong", reason: null })).toBe("write");
    expect(requiredPermission({ type: "wrong", reason: "stale" })).toBe("write");
    expect(requiredPermission({ type: "reset-learning", agent: null })).toBe("admin-or-maintain");
    expect(requiredPermission({ type: "reset-learning", agent: "reviewer" })).toBe("admin-or-maintain");
  });
});

describe("reinstate", () => {
  test.each([
    ["/agents reinstate reviewer", { type: "reinstate", agent: "reviewer" }],
    ["/agents reinstate", { type: "invalid", command: "reinstate", problem: "needs an agent id" }],
    ["/agents reinstate a b", { type: "invalid", command: "reinstate", problem: "takes one agent id" }],
    [
      "/agents reinstate Bad!",
      { type: "invalid", command: "reinstate", problem: "`Bad!` is not an agent id ([a-z0-9][a-z0-9_-]*)" },
    ],
  ])("%s", (body, command) => {
    expect(parseSlashCommands(body)).toEqual([command]);
  });

  test("needs admin or maintain", () => {
    expect(requiredPermission({ type: "reinstate", agent: "reviewer" })).toBe("admin-or-maintain");
  });
});
