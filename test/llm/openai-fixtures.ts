import { CircuitBreaker } from "../../src/llm/circuit-breaker.js";
import { OpenAIProvider, type OpenAIProviderOptions } from "../../src/llm/openai-provider.js";

export const API_KEY = "test-openai-key-not-real-0042";
export const OPENAI = "https://api.openai.com";
export const PATH = "/v1/chat/completions";

/** A chat completion as the API returns it. */
export function completion(content: string, usage = { prompt_tokens: 120, completion_tokens: 30 }) {
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1_750_000_000,
    model: "gpt-4o-mini",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content, refusal: null },
        finish_reason: "stop",
        logprobs: null,
      },
    ],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

/** A valid findings reply. */
export function findingsReply(
  summary: string,
  findings: { file: string; line: number | null; severity?: string; title?: string }[] = [],
): string {
  return JSON.stringify({
    summary,
    findings: findings.map((f) => ({
      file: f.file,
      line: f.line,
      severity: f.severity ?? "medium",
      title: f.title ?? "A problem",
      body: "What is wrong and how to fix it.",
      suggestion: null,
    })),
  });
}

/**
 * The global fetch, but the body read in full before the client sees the response. The client cancels the
 * body of a response it retries; on Node 20 (undici 6) nock's interceptor (built for Node 22) then reports a
 * reset on a socket undici has already let go, an uncaught "Cannot read properties of null". Nock still
 * answers every request.
 */
export async function bufferedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const signal = init?.signal;
  // nock's `delay` does not watch the request's signal (a real socket does): reject on abort, as fetch would.
  const aborted = new Promise<never>((_, reject) => {
    if (signal?.aborted) reject(signal.reason);
    signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  aborted.catch(() => undefined);
  const response = await Promise.race([fetch(input, init), aborted]);
  const body = await Promise.race([response.arrayBuffer(), aborted]);
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/** A provider for nock: no retries unless asked, backoff of 1 ms so retry tests stay fast. */
export function testProvider(options: Partial<OpenAIProviderOptions> = {}): OpenAIProvider {
  return new OpenAIProvider({
    apiKey: API_KEY,
    maxRetries: 0,
    retryBaseMs: 1,
    fetch: bufferedFetch,
    // A breaker of its own: the process-wide one would carry failures over from other tests.
    circuitBreaker: new CircuitBreaker(),
    ...options,
  });
}

/** The text of the user message of a captured request body. */
export function userContent(body: unknown): string {
  const parsed = typeof body === "string" ? JSON.parse(body) : body;
  const messages = (parsed as { messages: { role: string; content: string }[] }).messages;
  return messages.find((m) => m.role === "user")?.content ?? "";
}
