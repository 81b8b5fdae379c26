import { describe, expect, test } from "vitest";
import type { FileDiff } from "../../src/core/diff/diff.js";
import type { Finding } from "../../src/core/findings/finding.js";
import { planWorkflow } from "../../src/core/run/plan.js";
import { newRunState, type RunState } from "../../src/core/run/run-state.js";
import type { Step, WorkflowFile } from "../../src/core/workflow/workflow.schema.js";
import { type AgentExecutorOptions, agentExecutor } from "../../src/engine/executors/agent-executor.js";
import type {
  AgentProvider,
  AgentReply,
  AgentRequest,
  ShadowPort,
  ShadowResult,
  StepResult,
  TokenMeter,
} from "../../src/engine/ports.js";
import { RunResources } from "../../src/engine/run-resources.js";
import { HeuristicProvider } from "../../src/llm/heuristic-provider.js";
import { addedFile } from "../fixtures/file-diff.js";
import { prInputs } from "./agent-run.js";

const PRIMARY = "gpt-a";
const SHADOW = "gpt-b";
const FILES: FileDiff[] = [
  addedFile("src/db.ts", ['const q = "select * from t where id = " + id;', "run(q);"]),
  addedFile("src/util.ts", ["export const twice = (n: number) => n * 2;"]),
];

/** Prices a prompt as 100 tokens plus 10 per diff line: easy to reason about in budgets. */
const METER: TokenMeter = {
  promptVersion: "test-1",
  maxPromptTokens: 100_000,
  chunkTokens: 50_000,
  replyAllowance: 50,
  promptTokens: (r) => 100 + r.files.reduce((n, f) => n + METER.fileTokens(f), 0),
  fileTokens: (f) => 10 * f.hunks.reduce((n, h) => n + h.lines.length, 0),
  countTokens: (t) => Math.ceil(t.length / 4),
};

const SQL: Omit<Finding, "severity"> = {
  file: "src/db.ts",
  line: 1,
  title: "SQL injection",
  body: "Interpolated into SQL.",
  source: "model",
};

interface Call {
  readonly model: string;
  readonly files: readonly string[];
  readonly pr: AgentRequest["pr"];
}

/**
 * A model provider whose answers are set per model. With `together`, each call waits until that many calls have
 * started (or 2 s passed): a call that finishes proves the others had started first.
 */
function fakeProvider(
  answers: Record<string, (r: AgentRequest) => Promise<Partial<AgentReply>> | Partial<AgentReply>>,
  opts: { together?: number; usage?: number } = {},
) {
  const calls: Call[] = [];
  const finished: string[] = [];
  let started = 0;
  let release: () => void = () => {};
  const allStarted = new Promise<void>((resolve) => {
    release = resolve;
  });
  let together = true;
  const provider: AgentProvider = {
    label: "fake",
    meter: async () => METER,
    async run(request) {
      calls.push({ model: request.model, files: request.files.map((f) => f.path), pr: request.pr });
      started += 1;
      if (opts.together !== undefined) {
        if (started >= opts.together) release();
        const timedOut = await Promise.race([
          allStarted.then(() => false),
          new Promise<boolean>((r) => setTimeout(() => r(true), 2_000)),
        ]);
        if (timedOut) together = false;
      }
      const answer = answers[request.model];
      if (!answer) throw new Error(`no answer for ${request.model}`);
      const reply = await answer(request);
      finished.push(request.model);
      const usage = opts.usage ?? 120;
      return {
        findings: [],
        text: `${request.model} reviewed.`,
        usage: { promptTokens: usage - 20, completionTokens: 20 },
        provider: `fake ${request.model}`,
        notReviewed: [],
        calls: [{ promptTokens: usage - 20, completionTokens: 20, latencyMs: 7, tries: 1 }],
        ...reply,
      };
    },
  };
  return { provider, calls, finished, together: () => together };
}

function memoryShadows(): ShadowPort & { stored: ShadowResult[] } {
  const stored: ShadowResult[] = [];
  return {
    stored,
    async store(r) {
      stored.push(r);
    },
  };
}

type Settings = NonNullable<WorkflowFile["settings"]>;

/** A run of persona `reviewer` (on PRIMARY, shadowed by `shadow` unless null) running `steps`. */
function runWith(steps: Step[], settings: Settings = {}, shadow: string | null = SHADOW): RunState {
  const file: WorkflowFile = {
    version: 1,
    settings,
    agents: { reviewer: { model: PRIMARY, ...(shadow !== null && { shadow }) } },
    workflows: { w: { phases: { p: { steps } } } },
  };
  return newRunState({
    id: "run-1",
    plan: planWorkflow(file, "w"),
    facts: {
      source: "pull_request",
      repo: "acme/widgets",
      number: 7,
      headSha: "b".repeat(40),
      baseRef: "main",
      author: "alice",
      labels: [],
      changedFiles: [],
      title: "Add a query",
    },
    createdAt: 0,
  });
}

const REVIEW: Step = { id: "code-review", uses: "review", agent: "reviewer", fail_on: "high" };

function exec(run: RunState, opts: AgentExecutorOptions, stepId = "code-review"): Promise<StepResult> {
  const step = run.plan.steps.find((s) => s.id === stepId)!;
  return agentExecutor(opts)({ run, step, attempt: 1, signal: new AbortController().signal });
}

const findingsOf = (r: StepResult) => ("output" in r ? (r.output?.findings ?? []) : []);

describe("shadow models", () => {
  test("the shadow reviews the same files on the shadow model, in parallel with the primary; fingerprints match, and both are stored side by side", async () => {
    const fake = fakeProvider(
      {
        [PRIMARY]: () => ({ findings: [{ ...SQL, severity: "medium" }] }),
        [SHADOW]: () => ({
          findings: [
            { ...SQL, severity: "blocker" },
            { ...SQL, severity: "medium", file: "src/util.ts", title: "Missing overflow check" },
          ] as Finding[],
        }),
      },
      { together: 2 },
    );
    const shadows = memoryShadows();
    const run = runWith([REVIEW]);
    const result = await exec(run, { provider: fake.provider, inputs: async () => prInputs(FILES), shadows });

    // Both calls had started before either finished.
    expect(fake.together()).toBe(true);
    expect(fake.calls.map((c) => c.model).sort()).toEqual([PRIMARY, SHADOW]);
    const [a, b] = fake.calls;
    expect(a?.files).toEqual(b?.files);
    expect(a?.files).toEqual(["src/db.ts", "src/util.ts"]);
    expect(a?.pr).toEqual(b?.pr);

    // The primary's verdict is its own: one medium finding, under fail_on: high.
    expect(result.outcome).toBe("succeeded");
    const primary = findingsOf(result);
    expect(primary.map((f) => [f.severity, f.title])).toEqual([["medium", "SQL injection"]]);

    expect(shadows.stored).toHaveLength(1);
    const s = shadows.stored[0] as ShadowResult;
    expect({ ...s, latencyMs: 0, primaryLatencyMs: 0, findings: [], primaryFindings: [] }).toEqual({
      runId: "run-1",
      stepId: "code-review",
      repo: "acme/widgets",
      number: 7,
      persona: "reviewer",
      primaryModel: PRIMARY,
      model: SHADOW,
      stepKind: "review",
      findings: [],
      primaryFindings: [],
      tokens: 120,
      primaryTokens: 120,
      latencyMs: 0,
      primaryLatencyMs: 0,
      error: null,
      at: expect.any(Number),
    });
    expect(s.latencyMs).toBeGreaterThanOrEqual(0);
    expect(s.primaryLatencyMs).toBeGreaterThanOrEqual(0);
    // Fingerprints do not depend on the model or the severity: the shadow's SQL injection is the primary's.
    expect(s.primaryFindings.map((f) => f.fingerprint)).toEqual(primary.map((f) => f.fingerprint));
    expect(s.findings.map((f) => [f.severity, f.file, f.fingerprint])).toEqual([
      ["blocker", "src/db.ts", primary[0]?.fingerprint],
      ["medium", "src/util.ts", expect.stringMatching(/^[0-9a-f]{16}$/)],
    ]);
    expect(s.findings[1]?.fingerprint).not.toBe(primary[0]?.fingerprint);
    expect(s.findings.every((f) => f.taskType === "ts")).toBe(true);
  });

  test("the primary's result is identical with and without a shadow that finds a blocker", async () => {
    const answers = {
      [PRIMARY]: () => ({ findings: [{ ...SQL, severity: "medium" as const }] }),
      [SHADOW]: () => ({ findings: [{ ...SQL, severity: "blocker" as const, title: "Data loss" }] }),
    };
    const withShadow = await exec(runWith([REVIEW]), {
      provider: fakeProvider(answers).provider,
      inputs: async () => prInputs(FILES),
      shadows: memoryShadows(),
    });
    const without = await exec(runWith([REVIEW], {}, null), {
      provider: fakeProvider(answers).provider,
      inputs: async () => prInputs(FILES),
      shadows: memoryShadows(),
    });
    expect(withShadow.outcome).toBe("succeeded");
    expect(withShadow).toEqual(without);
  });

  test("the shadow has its own budget: over it, it makes no call and stores why; the primary is untouched", async () => {
    const fake = fakeProvider({
      [PRIMARY]: () => ({ findings: [{ ...SQL, severity: "medium" }] }),
      [SHADOW]: () => ({}),
    });
    const shadows = memoryShadows();
    // A call costs about 100 + 30 + 50 tokens: the primary's 10,000 cover it, the shadow's 100 do not.
    const run = runWith([REVIEW], { budget_tokens: 10_000, shadow_budget_tokens: 100 });
    const result = await exec(run, { provider: fake.provider, inputs: async () => prInputs(FILES), shadows });
    expect(result.outcome).toBe("succeeded");
    expect(fake.calls.map((c) => c.model)).toEqual([PRIMARY]);
    expect(shadows.stored.map((s) => [s.error, s.tokens, s.findings.length])).toEqual([
      [
        "token budget: none of the 2 reviewable files could be reviewed with the 100 tokens left in the run",
        0,
        0,
      ],
    ]);
    expect(shadows.stored[0]?.primaryTokens).toBe(120);
  });

  test("the run's shadow budget is shared by its steps and apart from the primary's: once spent, later shadows stop", async () => {
    const fake = fakeProvider(
      { [PRIMARY]: () => ({}), [SHADOW]: () => ({}) },
      { usage: 300 }, // each call is charged 300 tokens
    );
    const shadows = memoryShadows();
    const resources = new RunResources();
    const run = runWith(
      [
        { id: "code-review", uses: "review", agent: "reviewer" },
        { id: "security", uses: "security", agent: "reviewer" },
      ],
      { budget_tokens: 10_000, shadow_budget_tokens: 300 },
    );
    const opts = { provider: fake.provider, inputs: async () => prInputs(FILES), shadows, resources };
    await exec(run, opts, "code-review");
    const second = await exec(run, opts, "security");
    expect(second.outcome).toBe("succeeded");
    // The first step's primary and shadow in parallel (either may start first), the second's primary alone.
    const models = fake.calls.map((c) => c.model);
    expect([...models.slice(0, 2).sort(), ...models.slice(2)]).toEqual([PRIMARY, SHADOW, PRIMARY]);
    expect(shadows.stored.map((s) => [s.stepId, s.tokens, s.error])).toEqual([
      ["code-review", 300, null],
      ["security", 0, "shadow token budget exhausted: the run's shadows used 300 of 300 tokens"],
    ]);
    // The primary's budget never paid for the shadow.
    expect(resources.for(run).budget.spent).toBe(600);
    expect(resources.shadowFor(run).budget.spent).toBe(300);
  });

  test("without `shadow_budget_tokens` the shadow budget is a quarter of the run's, kept apart", () => {
    const resources = new RunResources();
    const run = runWith([REVIEW], { budget_tokens: 10_001 });
    expect(run.plan.shadowBudgetTokens).toBe(2_500);
    const shadow = resources.shadowFor(run);
    expect(shadow.budget.limit).toBe(2_500);
    expect(resources.shadowFor({ ...run, tokens: 5_000 })).toBe(shadow);
    expect(shadow.budget.spent).toBe(0); // the run's recorded tokens are the primary's
    expect(resources.for(run)).not.toBe(shadow);
    expect(resources.for(run).budget.limit).toBe(10_001);
  });

  test("a shadow that fails is stored with its error and never fails the primary; nor does a store that fails", async () => {
    const fake = fakeProvider({
      [PRIMARY]: () => ({ findings: [{ ...SQL, severity: "medium" }] }),
      [SHADOW]: () => {
        throw Object.assign(new Error("503 overloaded"), { retryable: true });
      },
    });
    const shadows = memoryShadows();
    const run = runWith([REVIEW]);
    const result = await exec(run, { provider: fake.provider, inputs: async () => prInputs(FILES), shadows });
    expect(result.outcome).toBe("succeeded");
    expect(findingsOf(result)).toHaveLength(1);
    expect(shadows.stored.map((s) => [s.error, s.findings, s.primaryFindings.length])).toEqual([
      [expect.stringContaining("503 overloaded"), [], 1],
    ]);

    const failing: ShadowPort = {
      store: async () => {
        throw new Error("database is locked");
      },
    };
    const again = await exec(run, {
      provider: fakeProvider({ [PRIMARY]: () => ({}), [SHADOW]: () => ({}) }).provider,
      inputs: async () => prInputs(FILES),
      shadows: failing,
    });
    expect(again.outcome).toBe("succeeded");
  });

  test("a refused primary is stored beside its shadow with no findings", async () => {
    const fake = fakeProvider({ [PRIMARY]: () => ({}), [SHADOW]: () => ({}) });
    const shadows = memoryShadows();
    const run = runWith([{ id: "ask", uses: "agent", agent: "reviewer", prompt: "{{ nope" }]);
    const result = await exec(
      run,
      { provider: fake.provider, inputs: async () => prInputs(FILES), shadows },
      "ask",
    );
    expect(result.outcome).toBe("failed");
    expect(shadows.stored.map((s) => [s.error?.split(":")[0], s.primaryTokens])).toEqual([
      ["prompt template", 0],
    ]);
    expect(fake.calls).toEqual([]);
  });

  test("no shadow without a ShadowPort, on the heuristic provider, or on a model the server does not allow", async () => {
    const answers = { [PRIMARY]: () => ({}), [SHADOW]: () => ({}) };
    const run = runWith([REVIEW]);

    const noPort = fakeProvider(answers);
    await exec(run, { provider: noPort.provider, inputs: async () => prInputs(FILES) });
    expect(noPort.calls.map((c) => c.model)).toEqual([PRIMARY]);

    // The heuristic provider has no model: its findings would only repeat the primary's. Nothing is stored.
    const shadows = memoryShadows();
    const heuristic = await exec(run, {
      provider: new HeuristicProvider(),
      inputs: async () => prInputs(FILES),
      shadows,
    });
    expect(heuristic.outcome).toBe("succeeded");
    expect(shadows.stored).toEqual([]);

    const notAllowed = fakeProvider(answers);
    const stored = memoryShadows();
    await exec(run, {
      provider: notAllowed.provider,
      inputs: async () => prInputs(FILES),
      shadows: stored,
      allowedModels: [PRIMARY],
    });
    expect(notAllowed.calls.map((c) => c.model)).toEqual([PRIMARY]);
    expect(stored.stored.map((s) => s.error)).toEqual([
      `model "${SHADOW}" is not allowed on this server (allowed: ${PRIMARY})`,
    ]);
  });
});
