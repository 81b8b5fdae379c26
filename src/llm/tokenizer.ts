import { DEFAULTS } from "../core/workflow/workflow.schema.js";

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

/**
 * Encodings load once, on first use or from `warmTokenizer` at start-up (each is ~2 MB of ranks, 0.15–0.3 s): a
 * server with the heuristic provider never pays.
 */
const loaded = new Map<EncodingName, Promise<CountTokens>>();
let loads = 0;

async function load(encoding: EncodingName): Promise<CountTokens> {
  loads++;
  const mod =
    encoding === "cl100k_base"
      ? await import("gpt-tokenizer/encoding/cl100k_base")
      : await import("gpt-tokenizer/encoding/o200k_base");
  // Untrusted text may contain `<|endoftext|>`: the API reads it as plain text, and so must the count
  // (by default the library would throw on it).
  const options = { disallowedSpecial: new Set<string>() };
  return remembered((text) => (text === "" ? 0 : mod.countTokens(text, options)));
}

/** Texts at least this long have their counts remembered: a file's diff, a whole prompt. */
const MEMO_MIN_CHARS = 1024;
/** The remembered texts together stay under this many characters (the least recently used go first). */
const MEMO_MAX_CHARS = 2_000_000;

/**
 * `count` with the counts of long texts remembered. The same text is counted again and again while a pull request
 * is reviewed: each file's diff by each of the review, security and tests steps (to split and pack it), and each
 * prompt when its tokens are reserved and again when the provider checks its size. BPE costs ~1 ms per 1,000
 * tokens; looking a text up costs a hash of it.
 */
function remembered(count: CountTokens): CountTokens {
  const memo = new Map<string, number>();
  let chars = 0;
  return (text) => {
    if (text.length < MEMO_MIN_CHARS || text.length > MEMO_MAX_CHARS) return count(text);
    const hit = memo.get(text);
    if (hit !== undefined) {
      memo.delete(text);
      memo.set(text, hit);
      return hit;
    }
    const tokens = count(text);
    memo.set(text, tokens);
    chars += text.length;
    for (const oldest of memo.keys()) {
      if (chars <= MEMO_MAX_CHARS) break;
      memo.delete(oldest);
      chars -= oldest.length;
    }
    return tokens;
  };
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

/**
 * Starts loading `model`'s tokenizer in the background and returns at once, so the first review after start-up
 * does not wait for it (its first model call would start that much later). Call it at start-up when the provider
 * counts tokens (`provider.meter` is set); the default model's encoding (`o200k_base`) is the one nearly every
 * model uses. A failed load is forgotten: the first real use tries again.
 */
export function warmTokenizer(model: string = DEFAULTS.model): void {
  // The first count builds the encoder's caches: done here too, off the first review's path.
  loadTokenCounter(model).then(
    (count) => count("warm"),
    () => undefined,
  );
}

/** How many times an encoding was loaded in this process (each loads once unless its load failed). */
export function tokenizerLoads(): number {
  return loads;
}
