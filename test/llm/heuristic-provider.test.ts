import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseUnifiedDiff } from "../../src/core/diff/parse-unified-diff.js";
import { failsVerdict } from "../../src/core/findings/finding.js";
import { HEURISTIC_LABEL, HeuristicProvider } from "../../src/llm/heuristic-provider.js";
import { addedFile, modifiedFile } from "../fixtures/file-diff.js";
import { SECRET_CASES } from "../fixtures/secrets.js";
import { agentRequest } from "./agent-request.js";

const provider = new HeuristicProvider();
const ghp = SECRET_CASES.find((c) => c.kind === "github-pat")!;
const titles = (r: { findings: readonly { file: string; line: number | null; title: string }[] }) =>
  r.findings.map((f) => `${f.file}:${f.line ?? "-"} ${f.title}`);

describe("HeuristicProvider", () => {
  it("labels every reply and uses no tokens", async () => {
    expect(provider.label).toBe("heuristic (no model configured)");
    for (const kind of ["review", "security", "tests", "agent"] as const) {
      const reply = await provider.run(agentRequest(kind, [addedFile("src/a.ts", ["export const a = 1;"])]));
      expect(reply.provider).toBe(HEURISTIC_LABEL);
      expect(reply.text).toContain(HEURISTIC_LABEL);
      expect(reply.usage).toEqual({ promptTokens: 0, completionTokens: 0 });
    }
  });

  it("security: scans every text file for secrets, skipped ones too; lists binaries as not reviewed", async () => {
    const files = [
      addedFile("src/config.ts", ghp.lines),
      addedFile("dist/bundle.js", ["x", ghp.lines[1]!]),
      { ...addedFile("logo.png", []), binary: true },
    ];
    const reply = await provider.run(agentRequest("security", files));
    expect(titles(reply)).toEqual(["dist/bundle.js:2 GitHub token", "src/config.ts:2 GitHub token"]);
    expect(reply.findings.every((f) => f.severity === "blocker" && f.source === "secret-scan")).toBe(true);
    expect(reply.notReviewed).toEqual([{ path: "logo.png", reason: "binary" }]);
    expect(reply.text).toMatch(/2 findings \(2 blocker\)/);
  });

  it("review: debug leftovers by language, outside tests and scripts, not in comments", async () => {
    const reply = await provider.run(
      agentRequest("review", [
        modifiedFile("src/widget.ts", {
          added: ["const w = 1;", "console.log(w);", "// console.log(old)", "debugger;"],
        }),
        addedFile("src/widget.test.ts", ["console.log('fine in a test');"]),
        addedFile("scripts/release.ts", ["console.log('output of a script');"]),
        addedFile("app/views.py", ["import pdb; pdb.set_trace()", "print(user)"]),
        addedFile("src/lib.rs", ["let x = dbg!(y);"]),
        addedFile("pkg/api/handler.go", ['fmt.Println("here")']),
        addedFile("cmd/tool/main.go", ['fmt.Println("usage")']),
        addedFile("app/models/user.rb", ["binding.pry"]),
      ]),
    );
    expect(titles(reply)).toEqual([
      "app/models/user.rb:1 Debug leftover: binding.pry",
      "app/views.py:1 Debug leftover: pdb breakpoint",
      "app/views.py:2 Debug leftover: print()",
      "pkg/api/handler.go:1 Debug leftover: fmt.Println",
      "src/lib.rs:1 Debug leftover: dbg!",
      "src/widget.ts:12 Debug leftover: console.log",
      "src/widget.ts:14 Debug leftover: debugger statement",
    ]);
    expect(reply.findings.every((f) => f.severity === "medium")).toBe(true);
  });

  it("review: TODO/FIXME/XXX/HACK comments are low; prose and strings are not markers", async () => {
    const reply = await provider.run(
      agentRequest("review", [
        addedFile("src/a.ts", [
          "// TODO: handle errors",
          "const label = 'TODO list';",
          "x(); /* FIXME later */",
          "# HACK",
          "// XXXX padding",
        ]),
        addedFile("README.md", ["- TODO: write docs"]),
      ]),
    );
    expect(reply.findings.map((f) => [f.line, f.title, f.severity])).toEqual([
      [1, "TODO added", "low"],
      [3, "FIXME added", "low"],
      [4, "HACK added", "low"],
    ]);
  });

  it("review: very large files are low by lines and medium by size", async () => {
    const many = Array.from({ length: 1001 }, (_, i) => `export const v${i} = ${i};`);
    const heavy = Array.from({ length: 600 }, () => "x".repeat(1000));
    const reply = await provider.run(
      agentRequest("review", [addedFile("src/table.ts", many), addedFile("src/blob.ts", heavy)]),
    );
    expect(reply.findings.map((f) => [f.file, f.line, f.severity, f.title])).toEqual([
      ["src/blob.ts", null, "medium", "Very large file change"],
      ["src/table.ts", null, "low", "Very large file change"],
    ]);
  });

  it("review: secrets are blockers; skipped files are listed with their reason and not checked", async () => {
    const reply = await provider.run(
      agentRequest("review", [
        addedFile("src/config.ts", ghp.lines),
        addedFile("package-lock.json", ["{}"]),
        addedFile("dist/app.js", ["console.log(1)"]),
        addedFile("public/app.min.js", ["console.log(1)"]),
        addedFile("vendor/lib/x.js", ["console.log(1)"]),
      ]),
    );
    expect(titles(reply)).toEqual(["src/config.ts:2 GitHub token"]);
    expect(reply.findings[0]?.severity).toBe("blocker");
    expect(reply.notReviewed).toEqual([
      { path: "package-lock.json", reason: "lockfile" },
      { path: "dist/app.js", reason: "generated" },
      { path: "public/app.min.js", reason: "minified" },
      { path: "vendor/lib/x.js", reason: "vendored" },
    ]);
    expect(reply.text).toContain("Not reviewed: package-lock.json (lockfile)");
  });

  it("tests: one medium, file-level finding per changed source file without a matching changed test", async () => {
    const reply = await provider.run(
      agentRequest("tests", [
        modifiedFile("src/core/diff.ts", { added: ["x"] }),
        addedFile("test/core/diff.test.ts", ["it()"]),
        modifiedFile("src/widget.ts", { added: ["x"] }),
        modifiedFile("app/user_service.py", { added: ["x"] }),
        addedFile("tests/test_user_service.py", ["def test(): pass"]),
        modifiedFile("pkg/server/handler.go", { added: ["x"] }),
        addedFile("pkg/server/handler_test.go", ["func TestX(t *testing.T) {}"]),
        modifiedFile("src/parser/index.ts", { added: ["x"] }),
        addedFile("src/parser/__tests__/parser.ts", ["it()"]),
        modifiedFile("src/main/java/Foo.java", { added: ["x"] }),
        modifiedFile("src/lib.rs", { added: ["#[cfg(test)]", "mod tests {}"] }),
        modifiedFile("src/only-deletions.ts", { removed: ["x"] }),
        modifiedFile("src/types.d.ts", { added: ["x"] }),
        modifiedFile("vite.config.ts", { added: ["x"] }),
        modifiedFile("docs/guide.md", { added: ["x"] }),
        modifiedFile("package-lock.json", { added: ["x"] }),
      ]),
    );
    expect(titles(reply)).toEqual([
      "src/main/java/Foo.java:- Changed without a test change",
      "src/widget.ts:- Changed without a test change",
    ]);
    expect(reply.findings.every((f) => f.severity === "medium")).toBe(true);
    expect(reply.findings[0]?.body).toContain("FooTest.java");
    expect(reply.findings[1]?.body).toContain("widget.test.ts");
  });

  it("agent: says no model is configured and describes the diff, without findings", async () => {
    const files = parseUnifiedDiff(
      readFileSync(new URL("../fixtures/diffs/mixed.diff", import.meta.url), "utf8"),
    );
    const reply = await provider.run(
      agentRequest("agent", files, { prompt: "Write release notes for {{ pr.title }}" }),
    );
    expect(reply.findings).toEqual([]);
    expect(reply.text).toMatch(/^heuristic \(no model configured\): no language model is configured/);
    expect(reply.text).toContain("11 files changed, +12 −7:");
    expect(reply.text).toContain("- src/new-name.ts (renamed from src/old-name.ts, +1 −1)");
    expect(reply.text).toContain("- logo.png (modified, binary, +0 −0)");
  });

  it("lets an ordinary clean pull request pass fail_on: high", async () => {
    const files = parseUnifiedDiff(
      readFileSync(new URL("../fixtures/diffs/mixed.diff", import.meta.url), "utf8"),
    );
    const replies = await Promise.all(
      (["review", "security", "tests"] as const).map((k) => provider.run(agentRequest(k, files))),
    );
    const findings = replies.flatMap((r) => r.findings);
    expect(titles({ findings })).toContain("src/math.ts:2 Debug leftover: console.log");
    expect(failsVerdict(findings, "high")).toBe(false);
    expect(failsVerdict(findings, "medium")).toBe(true);
  });

  it("stops when the step is cancelled", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(provider.run(agentRequest("review", [], { signal: controller.signal }))).rejects.toThrow();
  });
});
