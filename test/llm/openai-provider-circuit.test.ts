import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  breakerFor,
  CIRCUIT_OPEN_MESSAGE,
  CircuitBreaker,
  resetBreakers,
} from "../../src/llm/circuit-breaker.js";
import { LlmError } from "../../src/llm/llm-error.js";
import { OpenAIProvider, type OpenAIProviderOptions } from "../../src/llm/openai-provider.js";
import { addedFile } from "../fixtures/file-diff.js";
import { agentRequest } from "./agent-request.js";
import { completion, findingsReply } from "./openai-fixtures.js";
import {
  type ScriptedAnswer,
  type ScriptedModel,
  SERVER_ERROR,
  startScriptedModel,
} from "./scripted-model.js";

// The circuit breaker through the provider, against a real HTTP endpoint on 127.0.0.1: what an outage costs in
// requests, and what each call is told. Nock is off in this file: on Node 20 its fetch interceptor cannot pass a
// POST with a body through to a real server ("TypeError: unusable"), and every request here goes to loopback.
beforeAll(() => nock.restore());
afterAll(() => nock.activate());

const OK: ScriptedAnswer = [200, completion(findingsReply("Looks fine."))];
const request = () => agentRequest("review", [addedFile("src/widget.ts", ["export const w = 1;"])]);

const servers: ScriptedModel[] = [];
async function endpoint(answer?: (n: number) => ScriptedAnswer): Promise<ScriptedModel> {
  const server = await startScriptedModel(answer);
  servers.push(server);
  return server;
}

function provider(baseURL: string, options: Partial<OpenAIProviderOptions> = {}): OpenAIProvider {
  return new OpenAIProvider({ apiKey: "test-key-not-real", baseURL, ...options });
}

/** The error each call rejected with (or "ok" when it succeeded). */
async function outcomes(calls: readonly Promise<unknown>[]): Promise<(LlmError | "ok")[]> {
  return Promise.all(
    calls.map((c) =>
      c.then(
        () => "ok" as const,
        (e: unknown) => {
          expect(e).toBeInstanceOf(LlmError);
          return e as LlmError;
        },
      ),
    ),
  );
}

const messages = (results: readonly (LlmError | "ok")[]) => results.map((r) => (r === "ok" ? r : r.message));

afterEach(async () => {
  resetBreakers();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe("OpenAIProvider with the circuit breaker", () => {
  it("an outage (500 to everything): 3 concurrent calls make at most 8 requests, then fail fast", async () => {
    const down = await endpoint();
    const results = await outcomes([1, 2, 3].map(() => provider(down.baseURL).run(request())));
    // Each failed attempt counts: the 5th opens the circuit, in the calls' second round at the latest.
    expect(down.requests()).toBeGreaterThanOrEqual(5);
    expect(down.requests()).toBeLessThanOrEqual(8);
    for (const r of results) {
      if (r === "ok") throw new Error("a call succeeded against an endpoint answering 500");
      if (r.message === CIRCUIT_OPEN_MESSAGE) expect(r.retryable).toBe(false);
      else expect(r.message).toMatch(/^openai-compatible \(127\.0\.0\.1:\d+\): 500 upstream down/);
    }
    expect(messages(results)).toContain(CIRCUIT_OPEN_MESSAGE);
    // The next call sends nothing at all.
    const before = down.requests();
    const next = await outcomes([provider(down.baseURL).run(request())]);
    expect(messages(next)).toEqual([CIRCUIT_OPEN_MESSAGE]);
    expect(down.requests()).toBe(before);
  });

  it("without the breaker the same 3 calls wait out every retry: 12 requests", async () => {
    const down = await endpoint();
    const results = await outcomes(
      [1, 2, 3].map(() => provider(down.baseURL, { circuitBreaker: null, retryBaseMs: 1 }).run(request())),
    );
    expect(down.requests()).toBe(12);
    expect(messages(results).every((m) => m.endsWith("(gave up after 4 tries)"))).toBe(true);
  });

  it("calls waiting out a retry backoff stop as soon as the circuit opens", { timeout: 5000 }, async () => {
    const down = await endpoint();
    // Each call's first backoff is 10–20 s (the cap of 20 s halved, plus jitter): over this test's 5 s timeout.
    const calls = [1, 2, 3, 4, 5].map(() => provider(down.baseURL, { retryBaseMs: 60_000 }).run(request()));
    const results = await outcomes(calls);
    expect(down.requests()).toBe(5);
    expect(messages(results)).toEqual(Array(5).fill(CIRCUIT_OPEN_MESSAGE));
    expect(results.every((r) => r !== "ok" && !r.retryable)).toBe(true);
  });

  it("after 30 s one call probes while the others fail fast; its success closes the circuit", async () => {
    const clock = { t: 0 };
    const breaker = new CircuitBreaker({ now: () => clock.t });
    const server = await endpoint((n) => (n <= 5 ? SERVER_ERROR : OK));
    const call = () => provider(server.baseURL, { circuitBreaker: breaker, maxRetries: 0 }).run(request());
    for (let i = 0; i < 5; i++) await outcomes([call()]);
    expect(breaker.state).toBe("open");
    expect(messages(await outcomes([call()]))).toEqual([CIRCUIT_OPEN_MESSAGE]);
    clock.t += 29_999;
    expect(messages(await outcomes([call()]))).toEqual([CIRCUIT_OPEN_MESSAGE]);
    expect(server.requests()).toBe(5);

    clock.t += 1;
    const both = await outcomes([call(), call()]);
    expect(messages(both).sort()).toEqual([CIRCUIT_OPEN_MESSAGE, "ok"].sort());
    expect(server.requests()).toBe(6);
    expect(breaker.state).toBe("closed");
    expect(messages(await outcomes([call(), call()]))).toEqual(["ok", "ok"]);
  });

  it("a probe that fails reopens the circuit: its call stops retrying with the circuit message", async () => {
    const clock = { t: 0 };
    const breaker = new CircuitBreaker({ now: () => clock.t });
    const down = await endpoint();
    const call = (maxRetries = 3) =>
      provider(down.baseURL, { circuitBreaker: breaker, retryBaseMs: 1, maxRetries }).run(request());
    expect(messages(await outcomes([call(4)]))[0]).toMatch(/500 upstream down \(gave up after 5 tries\)$/);
    expect(down.requests()).toBe(5);
    clock.t += 30_000;
    expect(messages(await outcomes([call()]))).toEqual([CIRCUIT_OPEN_MESSAGE]);
    expect(down.requests()).toBe(6);
    expect(breaker.openUntil).toBe(clock.t + 60_000);
  });

  it("the endpoint answering (400) starts the count again; a rate limit (429) neither counts nor resets", async () => {
    const script: ScriptedAnswer[] = [
      ...Array<ScriptedAnswer>(4).fill(SERVER_ERROR),
      [400, { error: { message: "bad request" } }],
      ...Array<ScriptedAnswer>(4).fill(SERVER_ERROR),
      [429, { error: { message: "slow down" } }],
      SERVER_ERROR,
    ];
    const server = await endpoint((n) => script[n - 1] ?? OK);
    const call = () => provider(server.baseURL, { maxRetries: 0 }).run(request());
    for (let i = 0; i < 10; i++) await outcomes([call()]);
    expect(breakerFor(server.baseURL).state).toBe("closed");
    await outcomes([call()]);
    expect(breakerFor(server.baseURL).state).toBe("open");
    expect(server.requests()).toBe(11);
  });

  it("keys breakers by endpoint: another endpoint keeps answering while one is open", async () => {
    const down = await endpoint();
    const up = await endpoint(() => OK);
    await outcomes([1, 2, 3].map(() => provider(down.baseURL, { retryBaseMs: 1 }).run(request())));
    expect(breakerFor(down.baseURL).state).toBe("open");
    const reply = await provider(up.baseURL).run(request());
    expect(reply.text).toBe("Looks fine.");
    expect(breakerFor(up.baseURL).state).toBe("closed");
    expect(up.requests()).toBe(1);
  });
});
