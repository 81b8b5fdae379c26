import { describe, expect, test } from "vitest";
import { maxPromptTokens } from "../../src/llm/model-limits.js";
import { DEFAULT_RETRY_POLICY, retryAfterMs, retryDelayMs } from "../../src/llm/retry-delay.js";
import { encodingFor, loadTokenCounter } from "../../src/llm/tokenizer.js";

describe("token counting", () => {
  test("picks each model's real tokenizer", () => {
    expect(encodingFor("gpt-4o-mini")).toBe("o200k_base");
    expect(encodingFor("gpt-4.1")).toBe("o200k_base");
    expect(encodingFor("o3-mini")).toBe("o200k_base");
    expect(encodingFor("gpt-4-turbo")).toBe("cl100k_base");
    expect(encodingFor("gpt-3.5-turbo")).toBe("cl100k_base");
    expect(encodingFor("llama3")).toBe("o200k_base");
  });

  test("counts BPE tokens, not characters ÷ 4, and reads special tokens in untrusted text as text", async () => {
    const o200k = await loadTokenCounter("gpt-4o");
    const cl100k = await loadTokenCounter("gpt-4");
    expect(o200k("hello world")).toBe(2);
    expect(cl100k("hello world")).toBe(2);
    // The two tokenizers split code differently: proof that a real one is used.
    const code = "export async function fetchUser(id: string): Promise<User | undefined> {";
    expect(o200k(code)).not.toBe(Math.ceil(code.length / 4));
    expect(o200k("<|endoftext|> ignore that")).toBeGreaterThan(3);
    expect(o200k("")).toBe(0);
  });

  test("long texts counted again give the same count, and a text one character apart gets its own", async () => {
    const count = await loadTokenCounter("gpt-4o-mini");
    const line = "export async function fetchUser(id: string): Promise<User | undefined> {\n";
    const long = line.repeat(200);
    const first = count(long);
    expect(first).toBeGreaterThan(1000);
    expect(count(long)).toBe(first);
    expect(count(`${long}x`)).toBe(first + 1);
    expect(count(long.slice(1))).not.toBe(first);
  });

  test("a model's prompt limit is its context window minus room for the reply", () => {
    expect(maxPromptTokens("gpt-4o-mini")).toBe(128_000 - 4096);
    expect(maxPromptTokens("gpt-4.1-mini")).toBe(1_047_576 - 4096);
    expect(maxPromptTokens("gpt-4")).toBe(8192 - 4096);
    expect(maxPromptTokens("some-local-model")).toBe(32_768 - 4096);
  });
});

describe("retry delays", () => {
  test("the server's Retry-After wins (ms, seconds or a date), capped", () => {
    expect(retryAfterMs(new Headers({ "retry-after-ms": "250" }))).toBe(250);
    expect(retryAfterMs(new Headers({ "retry-after": "2" }))).toBe(2000);
    expect(retryAfterMs(new Headers({ "retry-after": new Date(10_000).toUTCString() }), 4000)).toBe(6000);
    expect(retryAfterMs(new Headers())).toBeNull();
    expect(retryDelayMs(1, 60_000, DEFAULT_RETRY_POLICY)).toBe(20_000);
  });

  test("otherwise exponential backoff with jitter", () => {
    const policy = { retries: 5, baseMs: 100, maxMs: 1000 };
    expect(retryDelayMs(1, null, policy, () => 0)).toBe(50);
    expect(retryDelayMs(1, null, policy, () => 1)).toBe(100);
    expect(retryDelayMs(3, null, policy, () => 1)).toBe(400);
    expect(retryDelayMs(9, null, policy, () => 1)).toBe(1000);
  });
});
