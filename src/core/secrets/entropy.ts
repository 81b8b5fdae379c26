/** Shannon entropy in bits per character: ~4.7 for random base62, at most 4 for hex, ~3 for English words. */
export function shannonEntropy(text: string): number {
  const chars = [...text];
  if (chars.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of chars) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / chars.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * The size of the alphabet `value` is drawn from: digits 10, single-case hex 16, base32 32, else 26 per
 * letter case it uses, 10 for digits and one per distinct symbol (base64's `+/` → 64, base64url → 64, a JWT's
 * `.` → 65). A random value is judged against its own alphabet, so hex is not held to base64's bar.
 *
 * @example alphabetSize("9f86d081884c7d65") // → 16
 */
export function alphabetSize(value: string): number {
  if (/^[0-9]+$/.test(value)) return 10;
  if (/^[0-9a-f]+$/.test(value) || /^[0-9A-F]+$/.test(value)) return 16;
  if (/^[A-Z2-7]+=*$/.test(value)) return 32;
  const symbols = new Set(value.replace(/[A-Za-z0-9]/g, "")).size;
  return (
    (/[a-z]/.test(value) ? 26 : 0) + (/[A-Z]/.test(value) ? 26 : 0) + (/[0-9]/.test(value) ? 10 : 0) + symbols
  );
}

/**
 * Entropy as a share (0..1) of the most a value of this length and alphabet can have: random values score
 * ~0.85–1 whatever their alphabet, `aaaa…` 0, repeated short patterns little.
 */
export function randomness(value: string): number {
  if (value.length < 2) return 0;
  const ceiling = Math.log2(Math.min(value.length, alphabetSize(value)));
  return ceiling > 0 ? shannonEntropy(value) / ceiling : 0;
}

/** Share of the highest possible entropy a value must reach; measured on random tokens vs. identifiers. */
const RANDOMNESS = 0.82;
/** Above this share of pronounceable parts a value reads as words (`existingtoken123`), not as a key. */
const MAX_WORD_SHARE = 0.5;
/** Least entropy in bits: 8 distinct characters. Words and identifiers rarely reach it at this length. */
const MIN_BITS = 3;

/**
 * Share of `value` made of pronounceable letter runs of 5 or more: words and camelCase parts, which random
 * tokens rarely produce (their letter runs are short, mixed-case and poor in vowels).
 */
export function wordShare(value: string): number {
  let covered = 0;
  for (const part of value.match(/[A-Z]?[a-z]+|[A-Z]+(?![a-z])/g) ?? []) {
    if (part.length < 5) continue;
    const vowels = (part.match(/[aeiouy]/gi)?.length ?? 0) / part.length;
    if (vowels >= 0.25 && vowels <= 0.6) covered += part.length;
  }
  return value.length ? covered / value.length : 0;
}

/** A vendor-style prefix (`sk_`, `key-`, `pk_live_`, `dop_v1_`): the random part after it is what is judged. */
const PREFIX = /^(?:[A-Za-z][A-Za-z0-9]{1,7}[_-]){1,3}/;

/** `value` without a leading vendor-style prefix, when at least 12 characters remain. */
export function withoutPrefix(value: string): string {
  const prefix = PREFIX.exec(value)?.[0] ?? "";
  return value.length - prefix.length >= 12 ? value.slice(prefix.length) : value;
}

/**
 * Does `value` look machine-generated rather than written by a person? Judged after any vendor prefix,
 * against the value's own alphabet (hex, base64, alphanumeric …) and length, with a floor that words and
 * identifiers rarely pass; values of one character class or that read as words fail.
 *
 * @example looksRandom("dop_v1_4b3f…") // → true for 64 random hex digits after the prefix
 */
export function looksRandom(value: string): boolean {
  const body = withoutPrefix(value);
  if (body.length < 8) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((re) => re.test(body)).length;
  if (classes < 2) return false;
  const ceiling = Math.log2(Math.min(body.length, alphabetSize(body)));
  return (
    shannonEntropy(body) >= Math.max(MIN_BITS, RANDOMNESS * ceiling) && wordShare(body) <= MAX_WORD_SHARE
  );
}
