/** Counts the tokens of a text as a model's tokenizer splits it. */
export type CountTokens = (text: string) => number;

export type EncodingName = "o200k_base" | "cl100k_base";

/**
 * The tokenizer a model uses: `cl100k_base` for GPT-4 (not 4o) and GPT-3.5, `o200k_base` for GPT-4o, 4.1, 4.5,
 * 5 and the o-series. Models of other vendors behind an OpenAI-compatible endpoint get `o200k_base`: close
 * enough to budget with (their own tokenizers differ by some percent), never chars ÷ 4.
 *
 * @example encodingFor("gpt-4-turbo") // → "cl100k_base"
 */
export function encodingFor(model: string): EncodingName {
  const name = model.toLowerCase().replace(/^openai\//, "");
  if (/^(gpt-4(?!o|\.)|gpt-3\.5|text-embedding-(ada|3))/.test(name)) return "cl100k_base";
  return "o200k_base";
}

/** Encodings load lazily (each is ~2 MB of ranks, ~0.3 s): a run with the heuristic provider never pays. */
const loaded = new Map<EncodingName, Promise<CountTokens>>();

async function load(encoding: EncodingName): Promise<CountTokens> {
  const mod =
    encoding === "cl100k_base"
      ? await import("gpt-tokenizer/encoding/cl100k_base")
      : await import("gpt-tokenizer/encoding/o200k_base");
  // Untrusted text may contain `<|endoftext|>`: the API reads it as plain text, and so must the count
  // (by default the library would throw on it).
  const options = { disallowedSpecial: new Set<string>() };
  return (text) => (text === "" ? 0 : mod.countTokens(text, options));
}

/**
 * The token counter of `model`'s tokenizer (gpt-tokenizer: pure JS, exact BPE ranks of OpenAI's tokenizers).
 *
 * @example (await loadTokenCounter("gpt-4o-mini"))("hello world") // → 2
 */
export function loadTokenCounter(model: string): Promise<CountTokens> {
  const encoding = encodingFor(model);
  let counter = loaded.get(encoding);
  if (!counter) {
    counter = load(encoding);
    loaded.set(encoding, counter);
    counter.catch(() => loaded.delete(encoding));
  }
  return counter;
}
