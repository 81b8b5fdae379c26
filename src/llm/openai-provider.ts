import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  type ClientOptions,
} from "openai";
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import { sortFindings } from "../core/findings/finding.js";
import type {
  AgentProvider,
  AgentReply,
  AgentRequest,
  CallRecord,
  TokenMeter,
  VerifyReply,
  VerifyRequest,
} from "../engine/ports.js";
import { alignFindings } from "./align-findings.js";
import { chatMessages } from "./chat-messages.js";
import { type Admission, breakerFor, CIRCUIT_OPEN_MESSAGE, type CircuitBreaker } from "./circuit-breaker.js";
import {
  MODEL_REPLY_FORMAT,
  type ModelReply,
  parseModelReply,
  parseVerification,
  VERIFICATION_FORMAT,
} from "./finding-schema.js";
import { LlmError, scrubKey } from "./llm-error.js";
import { openAIMeter } from "./openai-meter.js";
import { partitionFiles } from "./partition-files.js";
import { verifyMessages } from "./prompts.js";
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryAfterMs, retryDelayMs } from "./retry-delay.js";

export interface OpenAIProviderOptions {
  readonly apiKey: string;
  /** Any OpenAI-compatible endpoint (Azure, OpenRouter, vLLM, Ollama …); default OpenAI's. */
  readonly baseURL?: string;
  /** Per HTTP request; default 2 minutes. A request that takes longer is aborted and retried. */
  readonly timeoutMs?: number;
  /** Retries of rate-limited (429), timed-out, failed-to-connect and 5xx requests; default 3. */
  readonly maxRetries?: number;
  /** The first retry's backoff, doubled on each next one (the server's `Retry-After` wins); default 500 ms. */
  readonly retryBaseMs?: number;
  /** Target prompt size of one review call, in tokens; default 24,000. */
  readonly chunkTokens?: number;
  /** The `fetch` to send requests with (a proxy's, a test's); default the global one. */
  readonly fetch?: ClientOptions["fetch"];
  /**
   * The endpoint's circuit breaker; default the process-wide one of `baseURL` (`breakerFor`), shared by every
   * provider of that endpoint. `null`: none (the outage bench's "before").
   */
  readonly circuitBreaker?: CircuitBreaker | null;
}

const OPENAI_URL = "https://api.openai.com/v1";
const DEFAULT_TIMEOUT_MS = 120_000;
/** Tries at a reply that passes validation: the first, and one more told what was wrong. */
const VALIDATION_TRIES = 2;

type Usage = AgentReply["usage"];

/**
 * An `AgentProvider` over the `openai` client, for OpenAI or any compatible endpoint. `review`, `security` and
 * `tests` ask for findings as strict JSON-schema structured output and validate them with zod: a reply that
 * fails is retried once with the validation error, a second failure throws it. (The agent executor adds the
 * deterministic secret scan to `security` steps, whatever the provider.) `agent` returns plain text.
 * Each HTTP request has a timeout and is retried with backoff on 429, 5xx, timeouts and connection errors;
 * after the last try the call fails with an `LlmError` saying so. Every HTTP attempt asks the endpoint's circuit
 * breaker first and reports to it: while the circuit is open, calls (and retries waiting out a backoff) fail at
 * once with "model endpoint unavailable: circuit open", not retryable. Every call's tokens and latency are returned.
 * The API key is kept private and scrubbed from every error.
 *
 * @example new OpenAIProvider({ apiKey: env.OPENAI_API_KEY }).run(request)
 */
export class OpenAIProvider implements AgentProvider {
  readonly label: string;
  // Private fields: logging or serialising the provider cannot show the client, which holds the key.
  readonly #client: OpenAI;
  readonly #apiKey: string;
  readonly #timeoutMs: number;
  readonly #retry: RetryPolicy;
  readonly #chunkTokens: number | undefined;
  readonly #breaker: CircuitBreaker | null;

  constructor(options: OpenAIProviderOptions) {
    const baseURL = options.baseURL?.trim() || OPENAI_URL;
    this.#apiKey = options.apiKey;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#retry = {
      ...DEFAULT_RETRY_POLICY,
      ...(options.maxRetries !== undefined && { retries: options.maxRetries }),
      ...(options.retryBaseMs !== undefined && { baseMs: options.retryBaseMs }),
    };
    this.#chunkTokens = options.chunkTokens;
    this.#breaker = options.circuitBreaker === undefined ? breakerFor(baseURL) : options.circuitBreaker;
    // baseURL is always given: left undefined, the SDK would read OPENAI_BASE_URL from the environment itself.
    // The SDK's own retries are off: ours (`#complete`) count tries, honour the step's signal and are testable.
    this.#client = new OpenAI({
      apiKey: options.apiKey,
      baseURL,
      timeout: this.#timeoutMs,
      maxRetries: 0,
      ...(options.fetch && { fetch: options.fetch }),
    });
    this.label = baseURL === OPENAI_URL ? "openai" : `openai-compatible (${hostOf(baseURL)})`;
  }

  meter(model: string): Promise<TokenMeter> {
    return openAIMeter(model, this.#chunkTokens === undefined ? {} : { chunkTokens: this.#chunkTokens });
  }

  async run(request: AgentRequest): Promise<AgentReply> {
    const meter = await this.meter(request.model);
    return request.kind === "agent" ? this.#answer(request, meter) : this.#review(request, meter);
  }

  /**
   * One verification call: the finding and its flagged code, answered as strict JSON (`VERIFICATION_FORMAT`).
   * An answer that fails validation or a refusal is returned as `answer: null` (verification makes one call, so
   * no validation retry); HTTP failures are retried like any call, then thrown.
   */
  async verify(request: VerifyRequest): Promise<VerifyReply> {
    const { completion, record } = await this.#complete(
      { model: request.model, messages: verifyMessages(request), response_format: VERIFICATION_FORMAT },
      request.signal,
    );
    const message = completion.choices[0]?.message;
    if (message?.refusal)
      return { answer: null, problem: `the model refused: ${message.refusal}`, calls: [record] };
    const parsed = parseVerification(message?.content ?? "");
    return parsed.ok
      ? { answer: parsed.value, calls: [record] }
      : { answer: null, problem: parsed.error, calls: [record] };
  }

  /** `review`, `security`, `tests`: findings on the reviewable files, all in one call. */
  async #review(request: AgentRequest, meter: TokenMeter): Promise<AgentReply> {
    const { reviewable, skipped } = partitionFiles(request.files);
    const notReviewed = skipped.map((s) => ({ path: s.file.path, reason: s.reason }));
    const provider = `${this.label} ${request.model}`;
    if (reviewable.length === 0) {
      const text = "No reviewable file changes: nothing was sent to the model.";
      return { findings: [], text, usage: { promptTokens: 0, completionTokens: 0 }, provider, notReviewed };
    }
    const call = { ...request, files: reviewable };
    this.#checkSize(call, meter);
    const { reply, usage, calls } = await this.#structured(request, chatMessages(call));
    const findings = sortFindings(withConfidence(reply.findings, reviewable));
    return { findings, text: reply.summary, usage, provider, notReviewed, calls };
  }

  /** Never truncates: a prompt over the model's limit is refused whole (the executor splits diffs to fit). */
  #checkSize(request: AgentRequest, meter: TokenMeter): void {
    const tokens = meter.promptTokens(request);
    if (tokens > meter.maxPromptTokens) {
      throw new LlmError(
        `${this.label}: the prompt is ${tokens} tokens, over ${request.model}'s limit of ${meter.maxPromptTokens}; nothing was sent`,
        { retryable: false },
      );
    }
  }

  /** Asks for a `ModelReply`; one retry carries the validation error back to the model. */
  async #structured(
    request: AgentRequest,
    initial: readonly ChatCompletionMessageParam[],
  ): Promise<{ reply: ModelReply; usage: Usage; calls: CallRecord[] }> {
    const messages = [...initial];
    const calls: CallRecord[] = [];
    for (let attempt = 1; ; attempt++) {
      const { completion, record } = await this.#complete(
        { model: request.model, messages: [...messages], response_format: MODEL_REPLY_FORMAT },
        request.signal,
      );
      calls.push(record);
      const message = completion.choices[0]?.message;
      const content = message?.content ?? "";
      const parsed = message?.refusal
        ? { ok: false as const, error: `the model refused: ${message.refusal}` }
        : parseModelReply(content);
      if (parsed.ok) return { reply: parsed.value, usage: sumUsage(calls), calls };
      if (attempt >= VALIDATION_TRIES) {
        throw new LlmError(`${this.label}: the model's reply failed validation twice: ${parsed.error}`, {
          retryable: false,
          calls,
        });
      }
      messages.push(
        { role: "assistant", content },
        {
          role: "user",
          content: `Your reply did not match the required JSON schema:\n${parsed.error}\nReply again with only the corrected JSON.`,
        },
      );
    }
  }

  /** `agent`: the prompt's answer as plain text. */
  async #answer(request: AgentRequest, meter: TokenMeter): Promise<AgentReply> {
    this.#checkSize(request, meter);
    const { completion, record } = await this.#complete(
      { model: request.model, messages: chatMessages(request) },
      request.signal,
    );
    const text = completion.choices[0]?.message?.content?.trim();
    if (!text) throw new LlmError(`${this.label}: the model returned an empty answer`, { retryable: true });
    return {
      findings: [],
      text,
      usage: sumUsage([record]),
      provider: `${this.label} ${request.model}`,
      notReviewed: [],
      calls: [record],
    };
  }

  /**
   * One chat completion, retried with backoff on 429, 5xx, timeouts and connection errors; after the last try
   * it throws an `LlmError` without the key (aborts pass through untouched). Each attempt is admitted by the
   * circuit breaker and its result reported: every failed attempt (5xx, 408, timeout, no connection) counts, so
   * an outage opens the circuit within a call or two instead of after every call's retries.
   */
  async #complete(
    body: ChatCompletionCreateParamsNonStreaming,
    signal: AbortSignal,
  ): Promise<{ completion: ChatCompletion; record: CallRecord }> {
    const started = performance.now();
    for (let tries = 1; ; tries++) {
      const admission: Admission = this.#breaker?.admit() ?? "call";
      if (admission === "refused") throw new LlmError(CIRCUIT_OPEN_MESSAGE, { retryable: false });
      // The SDK's own timeout stops at the response headers; this one covers the whole answer, body included.
      const timeout = AbortSignal.timeout(this.#timeoutMs);
      try {
        const completion = await this.#client.chat.completions.create(body, {
          signal: AbortSignal.any([signal, timeout]),
        });
        this.#breaker?.succeeded();
        const record: CallRecord = {
          promptTokens: completion.usage?.prompt_tokens ?? 0,
          completionTokens: completion.usage?.completion_tokens ?? 0,
          latencyMs: Math.round(performance.now() - started),
          tries,
        };
        return { completion, record };
      } catch (error) {
        if (signal.aborted || (error instanceof APIUserAbortError && !timeout.aborted)) {
          this.#breaker?.release(admission);
          throw error;
        }
        this.#report(admission, error, timeout.aborted);
        const failure = timeout.aborted ? this.#timedOut() : this.#translate(error);
        if (!failure.retryable || tries > this.#retry.retries) {
          if (tries === 1) throw failure;
          throw new LlmError(`${failure.message} (gave up after ${tries} tries)`, {
            retryable: failure.retryable,
            status: failure.status,
          });
        }
        const headers = error instanceof APIError ? (error.headers as Headers | undefined) : undefined;
        await this.#backoff(retryDelayMs(tries, retryAfterMs(headers), this.#retry), signal);
      }
    }
  }

  /**
   * An attempt's result for the breaker: 5xx, 408, timeouts and connection errors are the endpoint failing; a
   * rate limit (429) says nothing either way; any other answer (400, 401 …) shows the endpoint is up.
   */
  #report(admission: Exclude<Admission, "refused">, error: unknown, timedOut: boolean): void {
    const breaker = this.#breaker;
    if (!breaker) return;
    const status = error instanceof APIError ? (error.status ?? null) : null;
    if (timedOut || error instanceof APIConnectionError) breaker.failed(admission);
    else if (!(error instanceof APIError) || status === 429) breaker.release(admission);
    else if (status === null || status === 408 || status >= 500) breaker.failed(admission);
    else breaker.succeeded();
  }

  /** The wait before a retry; cut short when the circuit opens meanwhile (the next `admit` then refuses). */
  async #backoff(ms: number, signal: AbortSignal): Promise<void> {
    const breaker = this.#breaker;
    if (breaker?.state === "open") return;
    if (!breaker) {
      await sleep(ms, undefined, { signal });
      return;
    }
    const opened = new AbortController();
    const stop = breaker.onOpen(() => opened.abort());
    try {
      await sleep(ms, undefined, { signal: AbortSignal.any([signal, opened.signal]) });
    } catch (error) {
      if (signal.aborted) throw error;
    } finally {
      stop();
    }
  }

  #timedOut(): LlmError {
    return new LlmError(`${this.label}: no answer within ${this.#timeoutMs} ms`, { retryable: true });
  }

  /** An SDK error as an `LlmError`: whether trying again may help, and a message without the key. */
  #translate(error: unknown): LlmError {
    // No `cause`: the SDK's error object could be logged whole, and nothing of the request may reach a log.
    if (error instanceof APIConnectionTimeoutError) return this.#timedOut();
    if (error instanceof APIConnectionError) {
      return new LlmError(`${this.label}: ${scrubKey(error.message, this.#apiKey)}`, { retryable: true });
    }
    if (error instanceof APIError) {
      const status = error.status ?? null;
      const retryable =
        status === null || status === 408 || status === 409 || status === 429 || status >= 500;
      return new LlmError(`${this.label}: ${scrubKey(error.message, this.#apiKey)}`, { retryable, status });
    }
    const message = error instanceof Error ? error.message : String(error);
    return new LlmError(`${this.label}: ${scrubKey(message, this.#apiKey)}`, { retryable: false });
  }
}

/** `alignFindings`, each kept finding with the model's confidence in it (when it gave one). */
function withConfidence(findings: ModelReply["findings"], files: Parameters<typeof alignFindings>[1]) {
  return findings.flatMap((f) =>
    alignFindings([f], files).map((a) =>
      f.confidence === undefined ? a : { ...a, confidence: f.confidence },
    ),
  );
}

function sumUsage(calls: readonly CallRecord[]): Usage {
  return {
    promptTokens: calls.reduce((n, c) => n + c.promptTokens, 0),
    completionTokens: calls.reduce((n, c) => n + c.completionTokens, 0),
  };
}

/** The host of a base URL, never its user-info part (which could hold a credential). */
function hostOf(baseURL: string): string {
  try {
    return new URL(baseURL).host;
  } catch {
    return "custom endpoint";
  }
}
