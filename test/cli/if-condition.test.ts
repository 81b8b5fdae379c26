import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { createDemoRepo } from "../../scripts/demo-repo.js";
import { runCli } from "./run-cli.js";

let repo: string;

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), "phasegate-cli-if-"));
});
afterEach(() => {
  rmSync(repo, { recursive: true, force: true });
});

const cli = (...argv: string[]) => runCli(repo, ...argv);

// The demo branch changes src/cart.ts (6 lines added, 2 deleted) and adds src/coupon.ts (7 lines); the
// heuristic review finds a medium `console.log` and nothing high.
const WORKFLOW = `version: 1
workflows:
  delivery:
    phases:
      review:
        steps:
          - id: code-review
            uses: review
          - id: deep-review
            uses: review
            if: \${{ steps.code-review.findings.high > 0 }}
          - id: sized
            uses: tests
            if: pr.additions == 13 && pr.deletions == 2 && contains(pr.files, 'src/coupon.ts')
`;

describe("if: in the CLI", () => {
  test("phasegate run skips a step whose if: is false, with the reason, and runs one whose if: is true", async () => {
    createDemoRepo(repo, WORKFLOW);
    const r = await cli("run");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines).toContain("– deep-review skipped: if: steps.code-review.findings.high > 0 was false");
    expect(lines).toContain("▸ sized tests started");
    // The table's result column repeats the reason.
    expect(r.stdout).toMatch(
      /review\s+deep-review\s+review\s+skipped\s+0\s+if: steps\.code-review\.findings\.high > 0 was false/,
    );
    expect(r.stdout).toMatch(/review\s+sized\s+tests\s+succeeded/);
  });

  test("phasegate validate prints if: errors at the character", async () => {
    writeFileSync(
      join(repo, "bad.yaml"),
      WORKFLOW.replace("steps.code-review.findings", "steps.code-reveiw.findings").replace(
        "pr.deletions == 2",
        "pr.deletions = 2",
      ),
    );
    const r = await cli("validate", "bad.yaml");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      'bad.yaml:11:27 step "deep-review": if: unknown step "code-reveiw" (expected one of code-review, sized)\n' +
        `bad.yaml:14:52 step "sized": if: syntax error: unexpected symbol: '='\n` +
        "✗ bad.yaml: 2 errors\n",
    );
  });
});
