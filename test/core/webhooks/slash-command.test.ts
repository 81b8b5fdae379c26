import { describe, expect, test } from "vitest";
import {
  commandHelp,
  parseSlashCommands,
  requiredPermission,
  type SlashCommand,
} from "../../../src/core/webhooks/slash-command.js";

const one = (line: string, prefix?: string): SlashCommand[] => parseSlashCommands(line, prefix);

describe("parseSlashCommands: every command", () => {
  test.each<[string, SlashCommand]>([
    ["/agents run", { type: "run", target: null }],
    ["/agents run code-review", { type: "run", target: "code-review" }],
    ["/agents retry", { type: "retry", step: null }],
    ["/agents retry security", { type: "retry", step: "security" }],
    ["/agents approve", { type: "approve", step: null }],
    ["/agents approve prod-approval", { type: "approve", step: "prod-approval" }],
    ["/agents reject", { type: "reject", step: null, reason: null }],
    ["/agents reject prod-approval", { type: "reject", step: "prod-approval", reason: null }],
    [
      "/agents reject prod-approval breaks  the build!",
      { type: "reject", step: "prod-approval", reason: "breaks  the build!" },
    ],
    ["/agents reject Breaks prod", { type: "reject", step: null, reason: "Breaks prod" }],
    ["/agents skip tests", { type: "skip", step: "tests", reason: null }],
    ["/agents skip tests flaky runner", { type: "skip", step: "tests", reason: "flaky runner" }],
    ["/agents cancel", { type: "cancel", reason: null }],
    ["/agents cancel wrong branch", { type: "cancel", reason: "wrong branch" }],
    ["/agents status", { type: "status" }],
    ["/agents help", { type: "help" }],
    ["/agents APPROVE gate_1", { type: "approve", step: "gate_1" }],
  ])("%s", (line, expected) => {
    expect(one(line)).toEqual([expected]);
  });

  test("unknown words and a bare prefix", () => {
    expect(one("/agents deploy now")).toEqual([
      { type: "unknown", word: "deploy", line: "/agents deploy now" },
    ]);
    expect(one("/agents")).toEqual([{ type: "unknown", word: "", line: "/agents" }]);
  });

  test("invalid: missing or malformed ids, extra arguments", () => {
    expect(one("/agents skip")).toEqual([{ type: "invalid", command: "skip", problem: "needs a step id" }]);
    expect(one("/agents skip Tests")).toEqual([
      { type: "invalid", command: "skip", problem: "`Tests` is not a step id ([a-z0-9][a-z0-9_-]*)" },
    ]);
    expect(one("/agents run -x")).toEqual([
      {
        type: "invalid",
        command: "run",
        problem: "`-x` is not a workflow or template id ([a-z0-9][a-z0-9_-]*)",
      },
    ]);
    expect(one("/agents approve a b")).toEqual([
      { type: "invalid", command: "approve", problem: "takes at most one step id" },
    ]);
    expect(one("/agents retry a b")).toEqual([
      { type: "invalid", command: "retry", problem: "takes at most one step id" },
    ]);
    expect(one("/agents status please")).toEqual([
      { type: "invalid", command: "status", problem: "takes no arguments" },
    ]);
  });
});

describe("parseSlashCommands: where commands are read", () => {
  test("leading spaces, tabs between words, CRLF, trailing spaces", () => {
    expect(one("   /agents   approve\tgate   \r\n")).toEqual([{ type: "approve", step: "gate" }]);
  });

  test("only at the start of a line, followed by a space or the end", () => {
    expect(one("please /agents approve")).toEqual([]);
    expect(one("/agentsX approve")).toEqual([]);
    expect(one("/agents/approve")).toEqual([]);
    expect(one("/Agents approve")).toEqual([]);
  });

  test("a custom prefix", () => {
    expect(one("/bot status\n/agents status", "/bot")).toEqual([{ type: "status" }]);
    expect(one("/bots status", "/bot")).toEqual([]);
  });

  test("several commands in one comment, in order, prose between", () => {
    const body = "Thanks!\n/agents retry code-review\nsome text\n/agents approve\n\n/agents status";
    expect(one(body)).toEqual([
      { type: "retry", step: "code-review" },
      { type: "approve", step: null },
      { type: "status" },
    ]);
  });

  test("fenced code blocks are ignored, with ``` and ~~~, longer fences and unclosed fences", () => {
    const body = [
      "```",
      "/agents cancel",
      "```",
      "/agents status",
      "~~~~ text",
      "/agents cancel",
      "~~~",
      "/agents cancel",
      "~~~~",
      "/agents help",
      "  ```sh",
      "/agents cancel",
    ].join("\n");
    expect(one(body)).toEqual([{ type: "status" }, { type: "help" }]);
  });

  test("block quotes are ignored, so quoting a command does not run it", () => {
    const body = "> /agents approve\n>/agents cancel\n  > > /agents cancel\n\n/agents status";
    expect(one(body)).toEqual([{ type: "status" }]);
  });

  test("indented code (4 spaces after a blank line) and HTML comments are ignored", () => {
    expect(one("Try:\n\n    /agents cancel\n\n/agents help")).toEqual([{ type: "help" }]);
    expect(one("text\n    /agents help")).toEqual([{ type: "help" }]); // paragraph continuation
    expect(one("<!--\n/agents cancel\n-->\n/agents status")).toEqual([{ type: "status" }]);
    expect(one("<!-- note --> /agents status")).toEqual([{ type: "status" }]);
  });

  test("hidden characters are removed before reading", () => {
    expect(one("\u202E/agents status")).toEqual([{ type: "status" }]);
  });
});

describe("requiredPermission", () => {
  test.each<[SlashCommand, string]>([
    [{ type: "run", target: null }, "write"],
    [{ type: "retry", step: null }, "write"],
    [{ type: "cancel", reason: null }, "write"],
    [{ type: "approve", step: null }, "gate"],
    [{ type: "reject", step: null, reason: null }, "gate"],
    [{ type: "skip", step: "x", reason: null }, "admin-or-maintain"],
    [{ type: "status" }, "anyone"],
    [{ type: "help" }, "anyone"],
    [{ type: "unknown", word: "x", line: "/agents x" }, "anyone"],
    [{ type: "invalid", command: "skip", problem: "needs a step id" }, "anyone"],
  ])("%j needs %s", (command, permission) => {
    expect(requiredPermission(command)).toBe(permission);
  });
});

describe("commandHelp", () => {
  test("lists every command with the prefix, effect and who", () => {
    expect(commandHelp("/bot")).toBe(
      [
        "| command | effect | who |",
        "| --- | --- | --- |",
        "| `/bot run [workflow\\|template]` | start (or restart) a run | write+ |",
        "| `/bot retry [step]` | retry failed steps (or one step) | write+ |",
        "| `/bot approve [step]` | approve a waiting gate (the only waiting one if no step given) | as the gate's `from` |",
        "| `/bot reject [step] [reason]` | fail a waiting gate | as the gate's `from` |",
        "| `/bot skip <step> [reason]` | mark a step skipped (audited) | admin/maintain |",
        "| `/bot cancel [reason]` | cancel the run | write+ |",
        "| `/bot status` | reply with the run's table | anyone |",
        "| `/bot useful` | as a reply to one of the app's inline findings: it was right | write+ |",
        "| `/bot wrong [reason]` | as a reply to one of the app's inline findings: it was wrong | write+ |",
        "| `/bot reset-learning [agent]` | forget what judgements taught this repository's profiles | admin/maintain |",
        "| `/bot help` | reply with the command list | anyone |",
        "",
        "One command per line; lines in code blocks and quotes are ignored. Gates also need write access and never count the PR author, the last pusher or bots.",
      ].join("\n"),
    );
    expect(commandHelp()).toContain("| `/agents status` |");
  });
});
