import { describe, expect, test } from "vitest";
import type { FileDiff } from "../../src/core/diff/diff.js";
import type { Finding } from "../../src/core/findings/finding.js";
import { planWorkflow } from "../../src/core/run/plan.js";
import { newRunState, type RunState } from "../../src/core/run/run-state.js";
import { REDACTED_LINE } from "../../src/core/secrets/redact-secrets.js";
import type { WorkflowFile } from "../../src/core/workflow/workflow.schema.js";
import { type AgentExecutorOptions, agentExecutor } from "../../src/engine/executors/agent-executor.js";
import { quoteMatches, VERIFY_REPLY_TOKENS } from "../../src/engine/executors/verify.js";
import { MemoryAgentCache } from "../../src/engine/memory-agent-cache.js";
import type {
  AgentProvider,
  AgentReply,
  AgentRequest,
  StepResult,
  TokenMeter,
  VerifyReply,
  VerifyRequest,
} from "../../src/engine/ports.js";
import { RunResources } from "../../src/engine/run-resources.js";
import { HeuristicProvider } from "../../src/llm/heuristic-provider.js";
import { addedFile } from "../fixtures/file-diff.js";

const LINES = [
  "export function load(db: Db, id: string) {",
  "  const row = db.query('select * from orders where id = ' + id);",
  "  if (!row) return null;",
  "  return row.total / row.count;",
  "}",
  "export const LIMIT = compute(limits, 42);",
  // Split so no scanner flags this file.
  `const token = "ghp_${"x7Rq2LmV9tKp3WzN8bJd5YcH1sGf6QaE4uXo"}";`,
  "export default load;",
];
const FILE: FileDiff = { ...addedFile("src/orders.ts", LINES), blobSha: "b10b5ha" };
const INPUTS = { files: [FILE], pr: { title: "Orders", body: "Loads orders." }, issue: null };

/** Review tokens per review call, and per verification call. */
const REVIEW = { promptTokens: 1000, completionTokens: 100, latencyMs: 5, tries: 1 };
const VERIFY = { promptTokens: 200, completionTokens: 40, latencyMs: 3, tries: 1 };

const finding = (line: number, over: Partial<Finding> = {}): Finding => ({
  file: "src/orders.ts",
  line,
  severity: "medium",
  title: `problem at ${line}`,
  body: `what is wrong at ${line}`,
  source: "model",
  confidence: 0.4,
  ...over,
});

/** A meter with round numbers; verification prompts cost 200 tokens. */
function meterOf(model: string, log: string[]): TokenMeter {
  log.push(model);
  return {
    promptVersion: "test-prompts-1",
    maxPromptTokens: 100_000,
    chunkTokens: 50_000,
    replyAllowance: 500,
    promptTokens: (r: AgentRequest) => 900 + r.files.length,
    fileTokens: () => 50,
    countTokens: (t: string) => Math.ceil(t.length / 4),
    verifyPromptTokens: () => 200,
  };
}

type Answer = (req: VerifyRequest) => VerifyReply["answer"] | "throw" | "unparsable";

/** A model provider answering reviews with `findings` and verifications with `answer`. */
function fakeModel(findings: Finding[], answer: Answer) {
  const reviews: AgentRequest[] = [];
  const verifications: VerifyRequest[] = [];
  const meters: string[] = [];
  const provider: AgentProvider = {
    label: "fake",
    meter: async (model) => meterOf(model, meters),
    async run(req): Promise<AgentReply> {
      reviews.push(req);
      return {
        findings,
        text: "Reviewed.",
        usage: { promptTokens: REVIEW.promptTokens, completionTokens: REVIEW.completionTokens },
        provider: "fake",
        notReviewed: [],
        calls: [REVIEW],
      };
    },
    async verify(req): Promise<VerifyReply> {
      verifications.push(req);
      const a = answer(req);
      if (a === "throw") {
        throw Object.assign(new Error("fake: 503 Service Unavailable (gave up after 3 tries)"), {
          retryable: true,
        });
      }
      if (a === "unparsable") {
        return { answer: null, problem: "the reply is not JSON (Unexpected token)", calls: [VERIFY] };
      }
      return { answer: a, calls: [VERIFY] };
    },
  };
  return { provider, reviews, verifications, meters };
}

/** Confirms or refutes by line, quoting the flagged line as given. */
const byLine =
  (refuted: readonly number[]): Answer =>
  (req) => ({
    verdict: refuted.includes(req.finding.line ?? 0) ? "refuted" : "confirmed",
    quote: req.code.lines.join("\n"),
    reason: refuted.includes(req.finding.line ?? 0) ? "the id is a number, checked above" : "it is there",
  });

let runs = 0;

/** A run of one `review` step by persona `reviewer`, set up with `persona` (verify, min_confidence …). */
function runWith(
  persona: Record<string, unknown>,
  settings: NonNullable<WorkflowFile["settings"]> = {},
  step: Record<string, unknown> = {},
): RunState {
  const file = {
    version: 1,
    settings: { model: "gpt-4o-mini", ...settings },
    agents: { reviewer: persona },
    workflows: {
      w: {
        phases: {
          p: { steps: [{ id: "r", uses: "review", agent: "reviewer", fail_on: "never", ...step }] },
        },
      },
    },
  } as unknown as WorkflowFile;
  runs += 1;
  return newRunState({
    id: `run-${runs}`,
    plan: planWorkflow(file, "w"),
    facts: {
      source: "local",
      repo: "acme/shop",
      number: 1,
      headSha: "b".repeat(40),
      baseRef: "main",
      author: "alice",
      labels: [],
      changedFiles: [FILE.path],
      title: "Orders",
    },
    createdAt: 0,
  });
}

function exec(run: RunState, opts: Partial<AgentExecutorOptions> & Pick<AgentExecutorOptions, "provider">) {
  const step = run.plan.steps.find((s) => s.id === "r")!;
  return agentExecutor({ inputs: async () => INPUTS, ...opts })({
    run,
    step,
    attempt: 1,
    signal: new AbortController().signal,
  });
}

const outputOf = (r: StepResult) => {
  if (r.outcome !== "succeeded" && r.outcome !== "failed") throw new Error(`no output: ${r.outcome}`);
  if (!r.output) throw new Error(`no output: ${JSON.stringify(r)}`);
  return r.output;
};
const verificationOf = (r: StepResult) =>
  outputOf(r).data?.verification as Record<string, unknown> | undefined;

describe("verification of low-confidence findings", () => {
  test("confirmed findings are kept and marked; refuted ones dropped, listed and counted in the summary", async () => {
    const model = fakeModel([finding(2), finding(4), finding(6)], byLine([2, 6]));
    const result = await exec(runWith({ verify: true }), { provider: model.provider });

    expect(result.outcome).toBe("succeeded");
    const output = outputOf(result);
    expect(output.findings?.map((f) => [f.line, f.verified])).toEqual([[4, "confirmed"]]);
    expect(output.summary).toBe("1 finding (1 medium) · 2 findings refuted on verification");
    expect(verificationOf(result)).toEqual({
      model: "gpt-4o-mini",
      checked: 3,
      confirmed: 1,
      refuted: [
        {
          title: "problem at 2",
          file: "src/orders.ts",
          line: 2,
          reason: "the id is a number, checked above",
        },
        {
          title: "problem at 6",
          file: "src/orders.ts",
          line: 6,
          reason: "the id is a number, checked above",
        },
      ],
      unverified: 0,
      unverifiedReasons: [],
      cached: 0,
    });
    // One call per finding, each with the finding and its flagged line and neighbours from the diff.
    expect(model.verifications).toHaveLength(3);
    const second = model.verifications.find((v) => v.finding.line === 4)!;
    expect(second).toMatchObject({
      model: "gpt-4o-mini",
      stepKind: "review",
      finding: { file: "src/orders.ts", line: 4, severity: "medium", title: "problem at 4" },
      code: { lines: [LINES[3]], before: LINES.slice(0, 3), after: [LINES[4], LINES[5], REDACTED_LINE] },
    });
  });

  test("one refuted finding: the summary says so in the singular", async () => {
    const model = fakeModel([finding(2), finding(4)], byLine([4]));
    const result = await exec(runWith({ verify: true }), { provider: model.provider });
    expect(outputOf(result).summary).toBe("1 finding (1 medium) · 1 finding refuted on verification");
  });

  test("an unusable answer (a wrong quote, an unparsable reply) or a failed call keeps the finding, unverified", async () => {
    const answer: Answer = (req) => {
      if (req.finding.line === 2) return { verdict: "refuted", quote: "return row.total;", reason: "fine" };
      if (req.finding.line === 4) return "unparsable";
      return "throw";
    };
    const model = fakeModel([finding(2), finding(4), finding(6)], answer);
    const result = await exec(runWith({ verify: true }), { provider: model.provider });

    expect(result.outcome).toBe("succeeded");
    const output = outputOf(result);
    expect(output.findings?.map((f) => [f.line, f.verified])).toEqual([
      [2, "unverified"],
      [4, "unverified"],
      [6, "unverified"],
    ]);
    expect(output.summary).toBe("3 findings (3 medium)");
    expect(verificationOf(result)).toMatchObject({
      checked: 3,
      confirmed: 0,
      refuted: [],
      unverified: 3,
      unverifiedReasons: [
        { line: 2, reason: "unusable answer: its quote is not the flagged line(s)" },
        { line: 4, reason: "unusable answer: the reply is not JSON (Unexpected token)" },
        {
          line: 6,
          reason: "the verification call failed: fake: 503 Service Unavailable (gave up after 3 tries)",
        },
      ],
    });
  });

  test("a quote that differs only in whitespace is usable; anything else is not", async () => {
    const flagged = ["  return row.total / row.count;"];
    expect(quoteMatches("return   row.total /\trow.count;", flagged)).toBe(true);
    expect(quoteMatches("`return row.total / row.count;`", flagged)).toBe(true);
    expect(quoteMatches("return row.total / row.count", flagged)).toBe(false);
    expect(quoteMatches("return row.total;", flagged)).toBe(false);
    expect(quoteMatches("", ["   "])).toBe(true);
    expect(quoteMatches("}", ["   "])).toBe(false);

    const model = fakeModel([finding(4)], () => ({
      verdict: "refuted",
      quote: "\treturn row.total   /  row.count; ",
      reason: "count is never 0",
    }));
    const result = await exec(runWith({ verify: true }), { provider: model.provider });
    expect(outputOf(result).findings).toEqual([]);
  });

  test("low findings and findings at or above min_confidence get no call; blockers and unknown confidence do", async () => {
    const findings = [
      finding(1, { severity: "low", confidence: 0.1 }),
      finding(2, { confidence: 0.7 }),
      finding(3, { severity: "high", confidence: 0.95 }),
      finding(4, { severity: "blocker", confidence: 0.3 }),
      finding(5, { severity: "high", confidence: undefined }),
      finding(6, { confidence: 0.69 }),
    ];
    const model = fakeModel(findings, byLine([4]));
    // A refuted blocker no longer fails the step.
    const result = await exec(runWith({ verify: true }, {}, { fail_on: "blocker" }), {
      provider: model.provider,
    });

    expect(model.verifications.map((v) => v.finding.line).sort()).toEqual([4, 5, 6]);
    expect(result.outcome).toBe("succeeded");
    expect(outputOf(result).findings?.map((f) => [f.line, f.verified ?? null])).toEqual([
      [3, null],
      [5, "confirmed"],
      [2, null],
      [6, "confirmed"],
      [1, null],
    ]);
    expect(outputOf(result).summary).toBe(
      "5 findings (2 high, 2 medium, 1 low) · 1 finding refuted on verification",
    );
  });

  test("min_confidence sets the threshold; without verify nothing is verified", async () => {
    const findings = [finding(2, { confidence: 0.5 }), finding(4, { confidence: 0.8 })];
    const strict = fakeModel(findings, byLine([]));
    await exec(runWith({ verify: true, min_confidence: 0.9 }), { provider: strict.provider });
    expect(strict.verifications.map((v) => v.finding.line)).toEqual([2, 4]);

    const off = fakeModel(findings, byLine([]));
    const result = await exec(runWith({}), { provider: off.provider });
    expect(off.verifications).toHaveLength(0);
    expect(verificationOf(result)).toBeUndefined();
    expect(outputOf(result).findings?.every((f) => f.verified === undefined)).toBe(true);
  });

  test("a confirmed blocker still fails the step by fail_on", async () => {
    const model = fakeModel([finding(2, { severity: "blocker", confidence: 0.2 })], byLine([]));
    const result = await exec(runWith({ verify: true }, {}, { fail_on: "high" }), {
      provider: model.provider,
    });
    expect(result).toMatchObject({ outcome: "failed", error: "1 finding at or above high" });
    expect(outputOf(result).findings?.[0]?.verified).toBe("confirmed");
  });

  test("verification calls are charged to the run's budget and counted in the step's tokens and calls", async () => {
    const resources = new RunResources();
    const model = fakeModel([finding(2), finding(4)], byLine([2]));
    const run = runWith({ verify: true });
    const result = await exec(run, { provider: model.provider, resources });

    const review = REVIEW.promptTokens + REVIEW.completionTokens;
    const verify = VERIFY.promptTokens + VERIFY.completionTokens;
    expect(result).toMatchObject({ outcome: "succeeded", tokens: review + 2 * verify });
    expect(resources.for(run).budget.spent).toBe(review + 2 * verify);
    const data = outputOf(result).data!;
    expect(data.calls).toEqual([
      { ...REVIEW, chunk: 1, files: ["src/orders.ts"] },
      { ...VERIFY, verifies: "src/orders.ts:2" },
      { ...VERIFY, verifies: "src/orders.ts:4" },
    ]);
    expect(data).toMatchObject({
      promptTokens: REVIEW.promptTokens + 2 * VERIFY.promptTokens,
      completionTokens: REVIEW.completionTokens + 2 * VERIFY.completionTokens,
    });
  });

  test("a budget too short for a verification call keeps the finding unverified without a call", async () => {
    const model = fakeModel([finding(2)], byLine([2]));
    // The review reserves 901 + 500 and costs 1,100; 200 + 400 more do not fit.
    const run = runWith({ verify: true }, { budget_tokens: 1_100 + 200 + VERIFY_REPLY_TOKENS - 1 });
    const result = await exec(run, { provider: model.provider });
    expect(model.reviews).toHaveLength(1);
    expect(model.verifications).toHaveLength(0);
    expect(outputOf(result).findings?.map((f) => f.verified)).toEqual(["unverified"]);
    expect(verificationOf(result)).toMatchObject({
      unverified: 1,
      unverifiedReasons: [
        { line: 2, reason: "token budget: verification needs about 600 tokens and the run has 599 left" },
      ],
    });
  });

  test("a re-run of the same inputs makes no call, costs 0 tokens and comes to the same result", async () => {
    const cache = new MemoryAgentCache();
    const answer: Answer = (req) => (req.finding.line === 6 ? "unparsable" : byLine([2])(req));
    const first = fakeModel([finding(2), finding(4), finding(6)], answer);
    const before = await exec(runWith({ verify: true }), { provider: first.provider, cache });
    expect(first.verifications).toHaveLength(3);

    const again = fakeModel([finding(2), finding(4), finding(6)], answer);
    const after = await exec(runWith({ verify: true }), { provider: again.provider, cache });
    expect(again.reviews).toHaveLength(0);
    expect(again.verifications).toHaveLength(0);
    expect(after).toMatchObject({ outcome: "succeeded", tokens: 0 });
    expect(outputOf(after).data?.calls).toEqual([]);
    expect(outputOf(after).findings).toEqual(outputOf(before).findings);
    expect(outputOf(after).summary).toBe("2 findings (2 medium) · 1 finding refuted on verification");
    expect(verificationOf(after)).toEqual({ ...verificationOf(before), cached: 3 });

    // Another verifying model is another key: it is asked.
    const other = fakeModel([finding(2), finding(4), finding(6)], answer);
    await exec(runWith({ verify: "gpt-4.1" }), { provider: other.provider, cache });
    expect(other.verifications).toHaveLength(3);
  });

  test("a finding reported twice (overlapping chunks) is verified once", async () => {
    const model = fakeModel([finding(2), finding(2), finding(4)], byLine([2]));
    const result = await exec(runWith({ verify: true }), { provider: model.provider });
    expect(model.verifications.map((v) => v.finding.line)).toEqual([2, 4]);
    expect(outputOf(result).findings?.map((f) => f.line)).toEqual([4]);
    expect(outputOf(result).summary).toBe("1 finding (1 medium) · 1 finding refuted on verification");
    expect(verificationOf(result)).toMatchObject({ checked: 2, confirmed: 1, refuted: [{ line: 2 }] });
    expect(result).toMatchObject({ tokens: REVIEW.promptTokens + REVIEW.completionTokens + 2 * 240 });
  });

  test("a failed call is not cached: the next run asks again", async () => {
    const cache = new MemoryAgentCache();
    const failing = fakeModel([finding(2)], () => "throw");
    await exec(runWith({ verify: true }), { provider: failing.provider, cache });
    const next = fakeModel([finding(2)], byLine([]));
    const result = await exec(runWith({ verify: true }), { provider: next.provider, cache });
    expect(next.verifications).toHaveLength(1);
    expect(outputOf(result).findings?.[0]?.verified).toBe("confirmed");
  });

  test("verify: <model> verifies on that model, priced with its meter", async () => {
    const model = fakeModel([finding(2)], byLine([]));
    const result = await exec(runWith({ model: "gpt-4o-mini", verify: "gpt-4.1" }), {
      provider: model.provider,
    });
    expect(model.reviews.map((r) => r.model)).toEqual(["gpt-4o-mini"]);
    expect(model.verifications.map((v) => v.model)).toEqual(["gpt-4.1"]);
    expect(model.meters).toContain("gpt-4.1");
    expect(verificationOf(result)).toMatchObject({ model: "gpt-4.1", confirmed: 1 });
  });

  test("a verifying model the server does not allow verifies nothing: findings kept, unverified", async () => {
    const model = fakeModel([finding(2)], byLine([2]));
    const result = await exec(runWith({ verify: "gpt-4.1" }), {
      provider: model.provider,
      allowedModels: ["gpt-4o-mini"],
    });
    expect(model.verifications).toHaveLength(0);
    expect(outputOf(result).findings?.map((f) => f.verified)).toEqual(["unverified"]);
    expect(verificationOf(result)).toMatchObject({
      unverifiedReasons: [{ reason: 'verification model "gpt-4.1" is not allowed on this server' }],
    });
  });

  test("the model sees the flagged line as redacted for prompts, never the secret", async () => {
    const model = fakeModel([finding(7, { severity: "high" })], () => ({
      verdict: "confirmed",
      quote: REDACTED_LINE,
      reason: "a token in code",
    }));
    const result = await exec(runWith({ verify: true }), { provider: model.provider });
    expect(model.verifications[0]?.code.lines).toEqual([REDACTED_LINE]);
    expect(JSON.stringify(model.verifications[0])).not.toContain("ghp_");
    expect(outputOf(result).findings?.find((f) => f.line === 7)?.verified).toBe("confirmed");
  });

  test("a finding about the whole file has no line to quote: kept, unverified, no call", async () => {
    const model = fakeModel([finding(2, { line: null })], byLine([]));
    const result = await exec(runWith({ verify: true }), { provider: model.provider });
    expect(model.verifications).toHaveLength(0);
    expect(verificationOf(result)).toMatchObject({
      unverifiedReasons: [{ line: null, reason: "no flagged line to quote: it concerns the whole file" }],
    });
  });

  test("the heuristic provider (no model) is never verified", async () => {
    const files = [addedFile("src/debug.ts", ["export const a = 1;", "console.log(a);"])];
    const run = runWith({ verify: true, min_confidence: 1 });
    const step = run.plan.steps[0]!;
    const result = await agentExecutor({
      provider: new HeuristicProvider(),
      inputs: async () => ({ files, pr: null, issue: null }),
    })({ run, step, attempt: 1, signal: new AbortController().signal });
    expect(outputOf(result).findings?.map((f) => [f.title, f.confidence, f.verified])).toEqual([
      ["Debug leftover: console.log", 0.9, undefined],
    ]);
    expect(verificationOf(result)).toBeUndefined();
  });
});
