import { describe, expect, test } from "vitest";
import type { FileDiff } from "../../src/core/diff/diff.js";
import { fileCacheKey } from "../../src/engine/cache-key.js";
import type { AgentProvider, AgentReply } from "../../src/engine/ports.js";
import { RunBudget } from "../../src/engine/run-budget.js";
import { RunResources } from "../../src/engine/run-resources.js";
import { addedFile } from "../fixtures/file-diff.js";
import { testProvider } from "../llm/openai-fixtures.js";
import { execStep, prInputs, runOf } from "./agent-run.js";

describe("RunBudget", () => {
  test("reservations are checked and taken in one step; settling charges the real cost", () => {
    const budget = new RunBudget(1000);
    const a = budget.reserve(600);
    expect(budget.reserve(500)).toBeNull();
    a?.settle(200);
    expect(budget.remaining).toBe(800);
    expect(budget.reserve(800)).not.toBeNull();
    budget.sync(100); // the recorded total is behind what this process counted: kept
    expect(budget.spent).toBe(200);
    budget.sync(900); // another process spent more
    expect(budget.spent).toBe(900);
  });
});

test("RunResources gives the steps of one run one share, brought up to the run's recorded tokens", () => {
  const resources = new RunResources();
  const run = runOf([{ id: "r", uses: "review" }], { budget_tokens: 5000, max_parallel: 2 });
  const share = resources.for(run);
  expect(resources.for({ ...run, tokens: 1200 })).toBe(share);
  expect(share.budget.spent).toBe(1200);
  expect(share.limit.concurrency).toBe(2);
  expect(resources.for({ ...run, id: "other" })).not.toBe(share);
});

test("chunk calls of all a run's steps run in parallel, never more than max_parallel at once", async () => {
  const real = testProvider({ chunkTokens: 3000 });
  let inFlight = 0;
  let most = 0;
  const provider: AgentProvider = {
    label: "slow",
    meter: (model) => real.meter(model),
    async run(): Promise<AgentReply> {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight -= 1;
      return {
        findings: [],
        text: "ok",
        usage: { promptTokens: 10, completionTokens: 1 },
        provider: "slow",
        notReviewed: [],
        calls: [{ promptTokens: 10, completionTokens: 1, latencyMs: 20, tries: 1 }],
      };
    },
  };
  const files = Array.from({ length: 12 }, (_, i) =>
    addedFile(
      `src/f${i}.ts`,
      Array.from({ length: 60 }, (_, j) => `export const value${j} = compute(${j}, ${i});`),
    ),
  );
  const run = runOf(
    [
      { id: "r", uses: "review" },
      { id: "s", uses: "security" },
    ],
    { max_parallel: 3 },
  );
  const resources = new RunResources();
  const opts = { provider, inputs: async () => prInputs(files), resources };
  const [r, s] = await Promise.all([execStep(run, "r", opts), execStep(run, "s", opts)]);
  expect(r.outcome).toBe("succeeded");
  expect(s.outcome).toBe("succeeded");
  const calls = r.outcome === "succeeded" ? (r.output.data?.calls as unknown[] | undefined) : [];
  expect(calls?.length).toBeGreaterThan(3);
  expect(most).toBe(3);
});

describe("fileCacheKey", () => {
  const scope = {
    repo: "acme/app",
    model: "gpt-4o-mini",
    kind: "review",
    promptVersion: "v1",
    instructions: "Be strict.",
  };
  const file: FileDiff = { ...addedFile("src/a.ts", ["x"]), blobSha: "abc1234" };
  test("changes with every part it depends on", () => {
    const key = fileCacheKey(scope, file);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(fileCacheKey({ ...scope }, { ...file })).toBe(key);
    for (const other of [
      fileCacheKey({ ...scope, repo: "acme/other" }, file),
      fileCacheKey({ ...scope, model: "gpt-4.1" }, file),
      fileCacheKey({ ...scope, kind: "security" }, file),
      fileCacheKey({ ...scope, promptVersion: "v2" }, file),
      fileCacheKey({ ...scope, instructions: "Be kind." }, file),
      fileCacheKey(scope, { ...file, path: "src/b.ts" }),
      fileCacheKey(scope, { ...file, blobSha: "abc1235" }),
    ]) {
      expect(other).not.toBe(key);
    }
  });

  test("without a blob SHA the diff text decides", () => {
    const noSha = { ...file, blobSha: null };
    expect(fileCacheKey(scope, noSha)).toBe(fileCacheKey(scope, { ...noSha }));
    expect(fileCacheKey(scope, noSha)).not.toBe(fileCacheKey(scope, addedFile("src/a.ts", ["y"])));
  });
});
