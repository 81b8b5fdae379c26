import type { FileDiff } from "../core/diff/diff.js";
import type { AgentRequest, TokenMeter, VerifyRequest } from "../engine/ports.js";
import { chatMessages } from "./chat-messages.js";
import { MODEL_REPLY_FORMAT, VERIFICATION_FORMAT } from "./finding-schema.js";
import { maxPromptTokens } from "./model-limits.js";
import { PROMPT_VERSION, verifyMessages } from "./prompts.js";
import { renderFile } from "./render-diff.js";
import { loadTokenCounter } from "./tokenizer.js";

/** OpenAI's chat framing: each message costs 3 tokens beyond its content, and the reply is primed with 3. */
const PER_MESSAGE = 3;
const REPLY_PRIMING = 3;

export interface MeterOptions {
  /** Target prompt size of one review call; default 24,000 tokens, never above the model's limit. */
  readonly chunkTokens?: number;
  /** Reply tokens set aside per call before it is made; default 1,500. */
  readonly replyAllowance?: number;
}

export const DEFAULT_CHUNK_TOKENS = 24_000;
export const DEFAULT_REPLY_ALLOWANCE = 1_500;

/**
 * The `TokenMeter` of an OpenAI-compatible model: counts the exact messages the provider sends with the model's
 * tokenizer, plus the structured-output schema, which the API adds to the prompt.
 *
 * @example (await openAIMeter("gpt-4o-mini")).promptTokens(request) // → 1834
 */
export async function openAIMeter(model: string, options: MeterOptions = {}): Promise<TokenMeter> {
  const count = await loadTokenCounter(model);
  const schemaTokens = count(JSON.stringify(MODEL_REPLY_FORMAT.json_schema.schema));
  const verifySchemaTokens = count(JSON.stringify(VERIFICATION_FORMAT.json_schema.schema));
  const messagesTokens = (messages: readonly { content: string }[]) =>
    messages.reduce((sum, m) => sum + PER_MESSAGE + count(m.content), REPLY_PRIMING);
  const limit = maxPromptTokens(model);
  return {
    promptVersion: PROMPT_VERSION,
    maxPromptTokens: limit,
    chunkTokens: Math.min(limit, options.chunkTokens ?? DEFAULT_CHUNK_TOKENS),
    replyAllowance: options.replyAllowance ?? DEFAULT_REPLY_ALLOWANCE,
    promptTokens(request: AgentRequest): number {
      const text = messagesTokens(chatMessages(request));
      return request.kind === "agent" ? text : text + schemaTokens;
    },
    verifyPromptTokens: (request: VerifyRequest) =>
      messagesTokens(verifyMessages(request)) + verifySchemaTokens,
    // The "\n\n" that joins files in the diff is a token or two: counted, so sums never fall short.
    fileTokens: (file: FileDiff) => count(renderFile(file)) + 2,
    countTokens: count,
  };
}
