import { describe, expect, test } from "vitest";
import type { Finding } from "../../src/core/findings/finding.js";
import { codeHash, findingFingerprintOf, flaggedCode } from "../../src/core/findings/finding-fingerprint.js";
import type { RunState } from "../../src/core/run/run-state.js";
import { agentExecutor } from "../../src/engine/executors/agent-executor.js";
import type { AgentProvider, AgentReply, AgentRequest } from "../../src/engine/ports.js";
import { addedFile } from "../fixtures/file-diff.js";
import { runOf } from "./agent-run.js";

const FILES = [addedFile("src/a.ts", ["export const a = 1;", "console.log(a);"])];
const INPUTS = { files: FILES, pr: { title: "Add a", body: "Adds <b>a</b>." }, issue: null };

/** A provider that records requests and answers with fixed findings. */
function fakeProvider(findings: Finding[], text = "Looks fine.\nMore detail.") {
  const requests: AgentRequest[] = [];
  const provider: AgentProvider = {
    label: "fake",
    async run(req): Promise<AgentReply> {
      requests.push(req);
      return {
        findings,
        text,
        usage: { promptTokens: 100, completionTokens: 20 },
        provider: "fake",
        notReviewed: [],
      };
    },
  };
  return { provider, requests };
}

const finding = (severity: Finding["severity"], line = 2): Finding => ({
  file: "src/a.ts",
  line,
  severity,
  title: `${severity} thing`,
  body: "why",
});

function exec(run: RunState, stepId: string, provider: AgentProvider) {
  const step = run.plan.steps.find((s) => s.id === stepId)!;
  return agentExecutor({ provider, inputs: async () => INPUTS })({
    run,
    step,
    attempt: 1,
    signal: new AbortController().signal,
  });
}

describe("agentExecutor", () => {
  test("passes the step's model, persona and diff to the provider and sums tokens", async () => {
    const { provider, requests } = fakeProvider([finding("low")]);
    const run = runOf([{ id: "r", uses: "review" }]);
    const result = await exec(run, "r", provider);
    const flagged = flaggedCode(FILES, "src/a.ts", 2);
    expect(flagged?.lines).toHaveLength(1);
    expect(result).toEqual({
      outcome: "succeeded",
      tokens: 120,
      output: {
        summary: "1 finding (1 low)",
        // Each finding gets its fingerprint from the flagged code (line 2 of the diff), and its area.
        findings: [
          {
            ...finding("low"),
            fingerprint: findingFingerprintOf({ ...finding("low"), stepKind: "review", code: flagged }),
            codeHash: codeHash(flagged),
            taskType: "ts",
          },
        ],
        text: "Looks fine.\nMore detail.",
        provider: "fake",
        notReviewed: [],
        data: {
          calls: [{ promptTokens: 100, completionTokens: 20, latencyMs: expect.any(Number), tries: 1 }],
          promptTokens: 100,
          completionTokens: 20,
          latencyMs: expect.any(Number),
          persona: "r",
          model: "gpt-4o-mini",
        },
      },
    });
    expect(requests[0]).toMatchObject({
      kind: "review",
      stepId: "r",
      model: "gpt-4o-mini",
      prompt: null,
      files: FILES,
    });
  });

  test("fails the step on a finding at or above fail_on, as a verdict that is not retried", async () => {
    const { provider } = fakeProvider([finding("high"), finding("blocker", 1), finding("low")]);
    const run = runOf([{ id: "r", uses: "review", fail_on: "high" }]);
    const result = await exec(run, "r", provider);
    expect(result).toMatchObject({
      outcome: "failed",
      retryable: false,
      error: "2 findings at or above high",
      tokens: 120,
    });
    // Worst first.
    expect(result.outcome === "failed" && result.output?.findings?.map((f) => f.severity)).toEqual([
      "blocker",
      "high",
      "low",
    ]);
  });

  test("fail_on: never and findings below the bar pass", async () => {
    const { provider } = fakeProvider([finding("blocker")]);
    expect((await exec(runOf([{ id: "r", uses: "review", fail_on: "never" }]), "r", provider)).outcome).toBe(
      "succeeded",
    );
    const medium = fakeProvider([finding("medium")]).provider;
    expect((await exec(runOf([{ id: "r", uses: "review" }]), "r", medium)).outcome).toBe("succeeded");
  });

  test("refuses to start once the run's token budget is spent", async () => {
    const { provider, requests } = fakeProvider([]);
    const run = { ...runOf([{ id: "r", uses: "review" }], { budget_tokens: 500 }), tokens: 500 };
    expect(await exec(run, "r", provider)).toEqual({
      outcome: "failed",
      retryable: false,
      error: "token budget exhausted: the run used 500 of 500 tokens",
    });
    expect(requests).toHaveLength(0);
  });

  test("renders an agent step's prompt from the PR, the diff and earlier outputs; text output, no findings", async () => {
    const { provider, requests } = fakeProvider([], "Plan: do it.");
    let run = runOf([
      { id: "first", uses: "agent", prompt: "x" },
      {
        id: "plan",
        uses: "agent",
        prompt: "Title: {{ pr.title }}\nBefore: {{ steps.first.output }}\n{{ diff }}",
      },
    ]);
    run = {
      ...run,
      steps: run.steps.with([
        { ...run.steps.get("first")!, status: "succeeded", output: { summary: "s", text: "earlier answer" } },
      ]),
    };
    const result = await exec(run, "plan", provider);
    expect(requests[0]?.prompt).toBe(
      "Title: Add a\nBefore: earlier answer\n" +
        "diff --git a/src/a.ts b/src/a.ts\n--- /dev/null\n+++ b/src/a.ts\n@@ -0,0 +1,2 @@\n+export const a = 1;\n+console.log(a);",
    );
    expect(result).toMatchObject({
      outcome: "succeeded",
      output: { summary: "Plan: do it.", text: "Plan: do it." },
    });
  });

  test("a broken prompt template fails at once, without calling the model or retrying", async () => {
    const { provider, requests } = fakeProvider([]);
    const run = runOf([{ id: "a", uses: "agent", prompt: "{% for x in %}" }]);
    const result = await exec(run, "a", provider);
    expect(result).toMatchObject({ outcome: "failed", retryable: false });
    expect(result.outcome === "failed" && result.error).toMatch(/^prompt template: /);
    expect(requests).toHaveLength(0);
  });

  test("a prompt cannot read files or run code", async () => {
    const { provider, requests } = fakeProvider([]);
    const run = runOf([
      { id: "a", uses: "agent", prompt: "{% include '/etc/passwd' %}{{ pr.constructor }}" },
    ]);
    const result = await exec(run, "a", provider);
    expect(result.outcome).toBe("failed");
    expect(requests).toHaveLength(0);
    const safe = runOf([
      { id: "a", uses: "agent", prompt: "[{{ pr.constructor }}][{{ pr.title.constructor }}]" },
    ]);
    await exec(safe, "a", provider);
    expect(requests[0]?.prompt).toBe("[][]");
  });

  test("security steps add the deterministic secret scan to the provider's findings", async () => {
    const { provider } = fakeProvider([]);
    const token = `ghp_${"aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY2z4A".slice(0, 36)}`;
    const files = [addedFile("cfg.env", [`GITHUB_TOKEN=${token}`])];
    const run = runOf([{ id: "s", uses: "security" }]);
    const step = run.plan.steps[0]!;
    const result = await agentExecutor({ provider, inputs: async () => ({ ...INPUTS, files }) })({
      run,
      step,
      attempt: 1,
      signal: new AbortController().signal,
    });
    expect(result).toMatchObject({
      outcome: "failed",
      retryable: false,
      error: "1 finding at or above high",
    });
    const found = result.outcome === "failed" ? result.output?.findings?.[0] : undefined;
    expect(found).toMatchObject({ file: "cfg.env", line: 1, severity: "blocker" });
    expect(JSON.stringify(result)).not.toContain(token);
  });
});
