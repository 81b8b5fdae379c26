import { afterEach, expect, test } from "vitest";
import { ruleCompilations } from "../../src/core/secrets/compile-rules.js";
import { scanSecrets } from "../../src/core/secrets/secret-scan.js";
import { DEFAULTS } from "../../src/core/workflow/workflow.schema.js";
import { OpenAIProvider } from "../../src/llm/openai-provider.js";
import { loadTokenCounter, tokenizerLoads } from "../../src/llm/tokenizer.js";
import { type AppHarness, startApp } from "./harness.js";

// The tests of this file share one module instance of the tokenizer (vitest isolates files, not tests): they
// run in order and count its loads from zero.

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

test("with the heuristic provider, start-up loads no tokenizer", async () => {
  h = await startApp();
  await h.idle();
  expect(tokenizerLoads()).toBe(0);
});

test("with a model provider, start-up loads the default model's tokenizer: the first count after start loads nothing", async () => {
  const provider = new OpenAIProvider({
    apiKey: "test-key",
    baseURL: "http://127.0.0.1:9/v1",
    maxRetries: 0,
  });
  h = await startApp({ provider });
  // Start-up returned without waiting for it, and no review has asked for it yet: the warm-up began the load.
  expect(tokenizerLoads()).toBe(1);
  const count = await loadTokenCounter(DEFAULTS.model);
  expect(count("hello world")).toBe(2);
  const meter = await h.services.provider.meter?.(DEFAULTS.model);
  expect(meter?.countTokens("hello world")).toBe(2);
  expect(tokenizerLoads()).toBe(1);
});

test("start-up compiles the secret scan's rules: the first scan after it compiles nothing", async () => {
  h = await startApp();
  expect(ruleCompilations()).toBe(1);
  expect(scanSecrets([])).toEqual([]);
  expect(ruleCompilations()).toBe(1);
});
