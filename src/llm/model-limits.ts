/** Context windows in tokens, by model-name prefix (longest prefix wins); from OpenAI's model pages. */
const CONTEXT: readonly (readonly [string, number])[] = [
  ["gpt-5", 400_000],
  ["gpt-4.1", 1_047_576],
  ["gpt-4o", 128_000],
  ["gpt-4-turbo", 128_000],
  ["gpt-4", 8_192],
  ["gpt-3.5-turbo", 16_385],
  ["o1", 200_000],
  ["o3", 200_000],
  ["o4", 200_000],
];

/** Models we know nothing about (a local Llama behind vLLM): small enough to fit most of today's models. */
const UNKNOWN_CONTEXT = 32_768;

/** Tokens kept free for the reply in the context window. */
export const REPLY_RESERVE = 4_096;

/**
 * The largest prompt a call to `model` may send: its context window minus room for the reply.
 *
 * @example maxPromptTokens("gpt-4o-mini") // → 123904
 */
export function maxPromptTokens(model: string): number {
  const name = model.toLowerCase().replace(/^openai\//, "");
  const match = [...CONTEXT].sort((a, b) => b[0].length - a[0].length).find(([p]) => name.startsWith(p));
  return (match?.[1] ?? UNKNOWN_CONTEXT) - REPLY_RESERVE;
}
