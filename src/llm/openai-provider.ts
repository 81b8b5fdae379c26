import OpenAI, { APIConnectionError, APIError, APIUserAbortError, type ClientOptions } from "openai";
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import type { FileDiff } from "../core/diff.js";
import { sortFindings } from "../core/finding.js";
import type { AgentProvider, AgentReply, AgentRequest } from "../engine/ports.js";
import { alignFindings } from "./align-findings.js";
import { MODEL_REPLY_FORMAT, type ModelReply, parseModelReply } from "./finding-schema.js";
import { LlmError, scrubKey } from "./llm-error.js";
import { partitionFiles } from "./partition-files.js";
import { agentUserMessage, findingsUserMessage, systemPrompt } from "./prompts.js";
import { renderFile } from "./render-diff.js";

export interface OpenAIProviderOptions {
  readonly apiKey: string;
  /** Any OpenAI-compatible endpoint (Azure, OpenRouter, vLLM, Ollama …); default OpenAI's. */
  readonly baseURL?: string;
  /** Per request; default 10 minutes (the SDK's). */
  readonly timeoutMs?: number;
  /** Retries of rate-limited (429), timed-out and 5xx requests, with the SDK's backoff; default 2. */
  readonly maxRetries?: number;
  /** Rendered diff per request, in characters; files past it are listed as not reviewed. Default 200,000. */
  readonly maxDiffChars?: number;
  /** The `fetch` to send requests with (a proxy's, a test's); default the global one. */
  readonly fetch?: ClientOptions["fetch"];
}

const OPENAI_URL = "https://api.openai.com/v1";
const DEFAULT_MAX_DIFF_CHARS = 200_000;
/** Tries at a reply that passes validation: the first, and one more told what was wrong. */
const VALIDATION_TRIES = 2;

type Usage = AgentReply["usage"];

/**
 * An `AgentProvider` over the `openai` client, for OpenAI or any compatible endpoint. `review`, `security` and
 * `tests` ask for findings as strict JSON-schema structured output and validate them with zod: a reply that
 * fails is retried once with the validation error, a second failure throws it. (The agent executor adds the
 * deterministic secret scan to `security` steps, whatever the provider.) `agent` returns plain text. The API
 * key is kept private and scrubbed from every error.
 *
 * @example new OpenAIProvider({ apiKey: env.OPENAI_API_KEY }).run(request)
 */
export class OpenAIProvider implements AgentProvider {
  readonly label: string;
  // Private fields: logging or serialising the provider cannot show the client, which holds the key.
  readonly #client: OpenAI;
  readonly #apiKey: string;
  readonly #maxDiffChars: number;

  constructor(options: OpenAIProviderOptions) {
    const baseURL = options.baseURL?.trim() || OPENAI_URL;
    this.#apiKey = options.apiKey;
    this.#maxDiffChars = options.maxDiffChars ?? DEFAULT_MAX_DIFF_CHARS;
    // baseURL is always given: left undefined, the SDK would read OPENAI_BASE_URL from the environment itself.
    this.#client = new OpenAI({
      apiKey: options.apiKey,
      baseURL,
      ...(options.timeoutMs !== undefined && { timeout: options.timeoutMs }),
      ...(options.maxRetries !== undefined && { maxRetries: options.maxRetries }),
      ...(options.fetch && { fetch: options.fetch }),
    });
    this.label = baseURL === OPENAI_URL ? "openai" : `openai-compatible (${hostOf(baseURL)})`;
  }

  async run(request: AgentRequest): Promise<AgentReply> {
    return request.kind === "agent" ? this.#answer(request) : this.#review(request);
  }

  /** `review`, `security`, `tests`: findings on the reviewable files that fit the budget. */
  async #review(request: AgentRequest): Promise<AgentReply> {
    const { reviewable, skipped } = partitionFiles(request.files);
    const { included, left } = fitBudget(reviewable, this.#maxDiffChars);
    const notReviewed = [
      ...skipped.map((s) => ({ path: s.file.path, reason: s.reason })),
      ...left.map((f) => ({ path: f.path, reason: "over the prompt budget" })),
    ];
    const provider = `${this.label} ${request.model}`;
    if (included.length === 0) {
      const text = "No reviewable file changes: nothing was sent to the model.";
      return { findings: [], text, usage: { promptTokens: 0, completionTokens: 0 }, provider, notReviewed };
    }
    const messages: ChatCompletionMessageParam[] = [
      { role: "system", content: systemPrompt(request.kind, request.instructions) },
      { role: "user", content: findingsUserMessage(request, included) },
    ];
    const { reply, usage } = await this.#structured(request, messages);
    const findings = sortFindings(alignFindings(reply.findings, included));
    return { findings, text: reply.summary, usage, provider, notReviewed };
  }

  /** Asks for a `ModelReply`; one retry carries the validation error back to the model. */
  async #structured(
    request: AgentRequest,
    initial: readonly ChatCompletionMessageParam[],
  ): Promise<{ reply: ModelReply; usage: Usage }> {
    const messages = [...initial];
    let usage: Usage = { promptTokens: 0, completionTokens: 0 };
    for (let attempt = 1; ; attempt++) {
      const completion = await this.#complete(
        { model: request.model, messages: [...messages], response_format: MODEL_REPLY_FORMAT },
        request.signal,
      );
      usage = addUsage(usage, completion);
      const message = completion.choices[0]?.message;
      const content = message?.content ?? "";
      const parsed = message?.refusal
        ? { ok: false as const, error: `the model refused: ${message.refusal}` }
        : parseModelReply(content);
      if (parsed.ok) return { reply: parsed.value, usage };
      if (attempt >= VALIDATION_TRIES) {
        throw new LlmError(`${this.label}: the model's reply failed validation twice: ${parsed.error}`, {
          retryable: false,
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
  async #answer(request: AgentRequest): Promise<AgentReply> {
    const messages: ChatCompletionMessageParam[] = [
      { role: "system", content: systemPrompt("agent", request.instructions) },
      { role: "user", content: agentUserMessage(request, request.files) },
    ];
    const completion = await this.#complete({ model: request.model, messages }, request.signal);
    const text = completion.choices[0]?.message?.content?.trim();
    if (!text) throw new LlmError(`${this.label}: the model returned an empty answer`, { retryable: true });
    return {
      findings: [],
      text,
      usage: addUsage({ promptTokens: 0, completionTokens: 0 }, completion),
      provider: `${this.label} ${request.model}`,
      notReviewed: [],
    };
  }

  /** One chat completion; errors come back as `LlmError` without the key (aborts pass through untouched). */
  async #complete(
    body: ChatCompletionCreateParamsNonStreaming,
    signal: AbortSignal,
  ): Promise<ChatCompletion> {
    try {
      return await this.#client.chat.completions.create(body, { signal });
    } catch (error) {
      if (error instanceof APIUserAbortError || signal.aborted) throw error;
      // No `cause`: the SDK's error object could be logged whole, and nothing of the request may reach a log.
      if (error instanceof APIConnectionError) {
        throw new LlmError(`${this.label}: ${scrubKey(error.message, this.#apiKey)}`, { retryable: true });
      }
      if (error instanceof APIError) {
        const status = error.status ?? null;
        const retryable =
          status === null || status === 408 || status === 409 || status === 429 || status >= 500;
        throw new LlmError(`${this.label}: ${scrubKey(error.message, this.#apiKey)}`, { retryable, status });
      }
      const message = error instanceof Error ? error.message : String(error);
      throw new LlmError(`${this.label}: ${scrubKey(message, this.#apiKey)}`, { retryable: false });
    }
  }
}

/** The files whose rendered diff fits `maxChars` together, in order, and those left over. */
function fitBudget(files: readonly FileDiff[], maxChars: number): { included: FileDiff[]; left: FileDiff[] } {
  const included: FileDiff[] = [];
  const left: FileDiff[] = [];
  let used = 0;
  for (const file of files) {
    const size = renderFile(file).length;
    if (used + size <= maxChars) {
      included.push(file);
      used += size;
    } else {
      left.push(file);
    }
  }
  return { included, left };
}

function addUsage(usage: Usage, completion: ChatCompletion): Usage {
  return {
    promptTokens: usage.promptTokens + (completion.usage?.prompt_tokens ?? 0),
    completionTokens: usage.completionTokens + (completion.usage?.completion_tokens ?? 0),
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
