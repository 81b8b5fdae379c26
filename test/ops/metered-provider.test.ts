import { expect, test } from "vitest";
import type { AgentProvider, AgentReply, TokenMeter } from "../../src/engine/ports.js";
import { meteredProvider } from "../../src/ops/metered-provider.js";
import { createMetrics } from "../../src/ops/metrics.js";
import { createTestDatabase } from "../db/databases.js";

const reply = (calls?: AgentReply["calls"]): AgentReply => ({
  findings: [],
  text: "fine",
  usage: { promptTokens: 0, completionTokens: 0 },
  provider: "fake",
  notReviewed: [],
  ...(calls ? { calls } : {}),
});

async function scrape(run: (provider: AgentProvider) => Promise<AgentReply>, inner: AgentProvider) {
  const t = await createTestDatabase("sqlite");
  try {
    const metrics = createMetrics(t.db);
    const provider = meteredProvider(inner, metrics);
    const result = await run(provider);
    const text = await metrics.registry.metrics();
    const lines = text.split("\n").filter((l) => l.startsWith("phasegate_llm_"));
    return { provider, result, lines };
  } finally {
    await t.cleanup();
  }
}

test("counts every call a reply reports, and passes the reply, label and meter through", async () => {
  const meter = { promptVersion: "v1" } as TokenMeter;
  const answer = reply([
    { promptTokens: 1000, completionTokens: 200, latencyMs: 1500, tries: 1 },
    { promptTokens: 300, completionTokens: 50, latencyMs: 250, tries: 2 },
  ]);
  const inner: AgentProvider = {
    label: "openai gpt-test",
    run: async () => answer,
    meter: async (model) => ({ ...meter, promptVersion: model }),
  };
  const { provider, result, lines } = await scrape((p) => p.run({} as never), inner);
  expect(result).toBe(answer);
  expect(provider.label).toBe("openai gpt-test");
  expect(await provider.meter?.("m-1")).toEqual({ promptVersion: "m-1" });
  expect(lines).toEqual(
    expect.arrayContaining([
      'phasegate_llm_calls_total{provider="openai gpt-test"} 2',
      'phasegate_llm_tokens_total{provider="openai gpt-test",type="prompt"} 1300',
      'phasegate_llm_tokens_total{provider="openai gpt-test",type="completion"} 250',
      'phasegate_llm_call_duration_seconds_count{provider="openai gpt-test"} 2',
      'phasegate_llm_call_duration_seconds_sum{provider="openai gpt-test"} 1.75',
      'phasegate_llm_call_duration_seconds_bucket{le="1",provider="openai gpt-test"} 1',
    ]),
  );
});

test("a provider without calls (the heuristic one) counts nothing and keeps having no meter", async () => {
  const inner: AgentProvider = { label: "heuristic", run: async () => reply() };
  const { provider, lines } = await scrape((p) => p.run({} as never), inner);
  expect(provider.meter).toBeUndefined();
  expect(lines).toEqual([]);
});

test("a failing provider's error passes through", async () => {
  const inner: AgentProvider = {
    label: "broken",
    run: async () => {
      throw new Error("model down");
    },
  };
  await expect(scrape((p) => p.run({} as never), inner)).rejects.toThrow("model down");
});
