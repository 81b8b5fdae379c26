import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { commitFiles, createDemoRepo, git } from "../../scripts/demo-repo.js";
import { runCli } from "./run-cli.js";

let repo: string;

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), "phasegate-cli-"));
});
afterEach(() => {
  rmSync(repo, { recursive: true, force: true });
});

const cli = (...argv: string[]) => runCli(repo, ...argv);

describe("phasegate validate", () => {
  test("a valid file: exit 0 and a one-line summary", async () => {
    createDemoRepo(repo);
    const r = await cli("validate");
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toBe("✓ .agents/workflow.yaml is valid (delivery: 3 phases, 5 steps)\n");
  });

  test("an invalid file: exit 1, every error as file:line:col", async () => {
    writeFileSync(
      join(repo, "bad.yaml"),
      `version: 1
workflows:
  w:
    phases:
      p:
        steps:
          - id: merge
            uses: merg
`,
    );
    const r = await cli("validate", "bad.yaml");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      'bad.yaml:8:19 step "merge": unknown kind "merg" (expected one of review, security, tests, agent, approval, checks, merge, deploy, eval)\n' +
        "✗ bad.yaml: 1 error\n",
    );
  });

  test("a missing file is a usage error: exit 2", async () => {
    const r = await cli("validate", "nope.yaml");
    expect(r).toMatchObject({ code: 2, stdout: "", stderr: "phasegate: nope.yaml: no such file\n" });
  });
});

describe("phasegate run", () => {
  test("runs agent steps on the local diff, dry-runs the gate and the merge, and stores the run", async () => {
    createDemoRepo(repo);
    const head = git(repo, "rev-parse", "--short=7", "HEAD").trim();
    const r = await cli("run");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Delivery on 2 changed files since main · heuristic (no model configured)");
    // Live progress: the three review steps start before any of them finishes.
    const lines = r.stdout.split("\n");
    const firstDone = lines.findIndex((l) => l.startsWith("✓ "));
    expect(lines.slice(0, firstDone).filter((l) => l.startsWith("▸ "))).toEqual([
      "▸ code-review review started",
      "▸ security security started",
      "▸ tests tests started",
    ]);
    expect(r.stdout).toMatch(
      new RegExp(`✓ approval \\d+ms would wait for 1 approval from anyone with write access on ${head}`),
    );
    expect(r.stdout).toMatch(new RegExp(`✓ merge \\d+ms would merge ${head} with squash`));
    expect(r.stdout).toContain("  medium  src/cart.ts:7    Debug leftover: console.log    (code-review)");
    expect(r.stdout).toMatch(/Run \S+ succeeded in \d+ms · 0 tokens/);

    const status = await cli("status");
    const runId = /Run (\S+) succeeded/.exec(r.stdout)?.[1] ?? "";
    expect(status.stdout.split("\n")[1]).toMatch(new RegExp(`^${runId}\\s+delivery\\s+succeeded\\s+${head}`));
    const one = await cli("status", runId.slice(0, 6));
    expect(one.code).toBe(0);
    expect(one.stdout).toContain(`Run ${runId} · delivery · succeeded · ${head}`);
    expect(one.stdout).toMatch(/merge\s+merge\s+merge\s+succeeded\s+\S+\s+0\s+would merge/);
  });

  test("--json prints the whole result on stdout, progress on stderr", async () => {
    createDemoRepo(repo);
    const r = await cli("run", "--json");
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.run).toMatchObject({ workflow: "delivery", status: "succeeded", base: "main", tokens: 0 });
    expect(result.steps.map((s: { id: string; status: string }) => `${s.id}:${s.status}`)).toEqual([
      "code-review:succeeded",
      "security:succeeded",
      "tests:succeeded",
      "approval:succeeded",
      "merge:succeeded",
    ]);
    expect(result.findings).toContainEqual(
      expect.objectContaining({ step: "code-review", file: "src/cart.ts", line: 7, severity: "medium" }),
    );
    expect(result.findings).toContainEqual(
      expect.objectContaining({ step: "tests", file: "src/coupon.ts", line: null, severity: "medium" }),
    );
    expect(r.stderr).toContain("▸ code-review review started");
  });

  test("a leaked key fails the security step (exit 1) and skips everything after the review phase", async () => {
    createDemoRepo(repo);
    // Built at run time so this repository holds no key-shaped text.
    const body = Array.from({ length: 3 }, () => randomBytes(48).toString("base64")).join("\n");
    const pem = `${["-----BEGIN RSA PRIVATE ", "KEY-----"].join("")}\n${body}\n-----END RSA PRIVATE KEY-----\n`;
    commitFiles(repo, { "deploy/key.pem": pem }, "Add key");
    const r = await cli("run", "--json");
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout);
    expect(result.run.status).toBe("failed");
    const step = (id: string) => result.steps.find((s: { id: string }) => s.id === id);
    expect(step("security")).toMatchObject({ status: "failed", error: "1 finding at or above high" });
    expect(step("approval")).toMatchObject({ status: "skipped", reason: 'phase "review" failed' });
    expect(step("merge")).toMatchObject({ status: "skipped", reason: 'phase "review" failed' });
    expect(result.findings).toContainEqual(
      expect.objectContaining({ step: "security", file: "deploy/key.pem", line: 1, severity: "blocker" }),
    );
  });

  test("PHASEGATE_ALLOWED_MODELS is enforced at run time, the default model included", async () => {
    createDemoRepo(repo); // its workflow names no model: agent steps use the default, gpt-4o-mini
    process.env.PHASEGATE_ALLOWED_MODELS = "gpt-4.1";
    try {
      const r = await cli("run", "--json");
      expect(r.code).toBe(1);
      const result = JSON.parse(r.stdout);
      const review = result.steps.find((s: { id: string }) => s.id === "code-review");
      expect(review).toMatchObject({
        status: "failed",
        error:
          'model "gpt-4o-mini" is not allowed on this server (allowed: gpt-4.1); set settings.model or the agent\'s model to one of them',
      });
    } finally {
      delete process.env.PHASEGATE_ALLOWED_MODELS;
    }
  });

  test("--workflow takes a built-in template when the repository has no workflow file", async () => {
    git(repo, "init", "-q", "-b", "main");
    commitFiles(repo, { "a.txt": "one\n" }, "one");
    writeFileSync(join(repo, "a.txt"), "one\ntwo\n");
    const r = await cli("run", "--workflow", "code-review", "--json");
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.run.workflow).toBe("code-review");
    expect(result.steps.map((s: { id: string }) => s.id).sort()).toEqual([
      "code-review",
      "security",
      "tests",
    ]);
  });

  test("usage errors exit 2 with a message", async () => {
    createDemoRepo(repo);
    expect(await cli("run", "--workflow", "nope")).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        'unknown workflow or template "nope" (known: delivery, code-review (template)',
      ),
    });
    expect(await cli("run", "--base", "no-such-branch")).toMatchObject({
      code: 2,
      stderr: 'phasegate: unknown base "no-such-branch": pass --base with a branch, tag or commit\n',
    });
    expect((await cli("run", "--bogus")).code).toBe(2);
    expect((await cli("frobnicate")).code).toBe(2);
  });

  test("says what tests' CI checks and an agent's comment would do", async () => {
    createDemoRepo(
      repo,
      `version: 1
workflows:
  w:
    phases:
      p:
        steps:
          - { id: tests, uses: tests, with: { checks: ["ci / test", "ci / lint"] } }
          - { id: summary, uses: agent, prompt: "Summarise {{ pr.title }}", with: { post: comment } }
`,
    );
    const r = await cli("run");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /✓ tests \d+ms 2 findings \(2 medium\) · would wait for checks: ci \/ test, ci \/ lint\n/,
    );
    expect(r.stdout).toMatch(/✓ summary \d+ms .+ · would post the output as a comment\n/);
  });
});

describe("phasegate graph and help", () => {
  test("graph prints the DAG as Mermaid", async () => {
    createDemoRepo(repo);
    const r = await cli("graph");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`flowchart LR
  subgraph p_review["Review"]
    s_code_review["code-review (review)"]
    s_security["security (security)"]
    s_tests["tests (tests)"]
  end
  subgraph p_approve["Approval"]
    s_approval{{"approval (approval)"}}
  end
  subgraph p_merge["Merge"]
    s_merge[/"merge (merge)"/]
  end
  p_review --> p_approve
  p_approve --> p_merge
`);
  });

  test("--help on every command exits 0", async () => {
    for (const argv of [
      ["--help"],
      ["validate", "--help"],
      ["run", "--help"],
      ["status", "--help"],
      ["graph", "--help"],
      ["profiles", "--help"],
    ]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(" ")).toBe(0);
      expect(r.stdout, argv.join(" ")).toMatch(/^Usage: phasegate/);
    }
  });
});
