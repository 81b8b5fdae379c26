import { performance } from "node:perf_hooks";
import nock from "nock";
import { afterEach, expect, test } from "vitest";
import { phaseStatus } from "../../src/core/run/phase-status.js";
import { CIRCUIT_OPEN_MESSAGE, circuitStates, resetBreakers } from "../../src/llm/circuit-breaker.js";
import { mockFiles, mockPull, mockWorkflow, prEvent, runsOfPr, STANDARD_YAML } from "./e2e-fixtures.js";
import { type AppHarness, startApp } from "./harness.js";

// A model outage through the whole app: a signed `pull_request.opened`, the standard three agent steps against an
// OpenAI-compatible endpoint answering 500 to everything. The circuit breaker keeps the cost to a handful of
// requests and fails the steps in well under a second (figures: `npm run bench -- outage`).

const LLM = "https://llm-outage.test";
const API_KEY = "sk-test-outage-0123456789";
const AGENT_STEPS = ["code-review", "security", "tests"] as const;

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
  nock.cleanAll();
  // One registry per process: the next test starts with every endpoint closed.
  resetBreakers();
});

test("a model outage fails the three agent steps after at most 8 model requests, with the circuit's message", async () => {
  let modelRequests = 0;
  nock(LLM)
    .persist()
    .post("/v1/chat/completions")
    .reply(() => {
      modelRequests++;
      return [500, { error: { message: "upstream down", type: "server_error" } }];
    });
  mockWorkflow(STANDARD_YAML);
  mockPull();
  mockFiles();
  h = await startApp({ env: { OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: `${LLM}/v1` } });

  const started = performance.now();
  await h.receiveSigned("pull_request", prEvent("opened"));
  const wallMs = performance.now() - started;

  const [run] = await runsOfPr(h);
  if (!run) throw new Error("no run was started");
  // The first failures (the 500, after its tries) or, once 5 attempts failed, the circuit: nothing else.
  const endpointError =
    /^openai-compatible \(llm-outage\.test\): 500 upstream down( \(gave up after \d tries\))?$/;
  for (const id of AGENT_STEPS) {
    const step = run.steps.get(id);
    expect(step?.status, id).toBe("failed");
    const error = step?.error ?? "";
    if (error !== CIRCUIT_OPEN_MESSAGE) expect(error, id).toMatch(endpointError);
  }
  // Every attempt that failed counted: the circuit opened within the calls' second round of tries.
  expect(AGENT_STEPS.map((id) => run.steps.get(id)?.error)).toContain(CIRCUIT_OPEN_MESSAGE);
  expect(modelRequests).toBeGreaterThanOrEqual(5);
  expect(modelRequests).toBeLessThanOrEqual(8);
  const review = run.plan.phases.find((p) => p.id === "review");
  expect(review && phaseStatus(run, review)).toEqual({ status: "completed", conclusion: "failure" });
  expect(run.status).toBe("failed");
  expect(circuitStates()).toEqual([{ endpoint: "llm-outage.test", state: "open" }]);
  expect(JSON.stringify(h.logs)).not.toContain(API_KEY);
  expect(nock.pendingMocks()).toEqual([]);
  // For the report, never asserted (timings are measured in `npm run bench`, not tested).
  console.info(
    `outage: ${modelRequests} model requests, the run failed ${Math.round(wallMs)} ms after the webhook`,
  );
});

test("the breaker registry does not leak between tests: the endpoint starts closed again", async () => {
  expect(circuitStates()).toEqual([]);
  let modelRequests = 0;
  nock(LLM)
    .persist()
    .post("/v1/chat/completions")
    .reply(() => {
      modelRequests++;
      return [500, { error: { message: "upstream down", type: "server_error" } }];
    });
  mockWorkflow(STANDARD_YAML);
  mockPull();
  mockFiles();
  h = await startApp({ env: { OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: `${LLM}/v1` } });
  await h.receiveSigned("pull_request", prEvent("opened"));
  // Had the circuit stayed open from the test before, no request would have gone out.
  expect(modelRequests).toBeGreaterThanOrEqual(5);
});
