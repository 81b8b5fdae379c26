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

/** Share of the highest possible entropy a value must reach; measured on random tokens vs. identifiers. */
const RANDOMNESS = 0.82;
/** Above this share of pronounceable parts a value reads as words (`existingtoken123`), not as a key. */
const MAX_WORD_SHARE = 0.5;

/**
 * Share of `value` made of pronounceable letter runs of 3 or more: words and camelCase parts, which random
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

const SYMBOLS = 4;
const CLASSES = [
  { re: /[a-z]/, size: 26 },
  { re: /[A-Z]/, size: 26 },
  { re: /[0-9]/, size: 10 },
  { re: /[^A-Za-z0-9]/, size: SYMBOLS },
];

/**
 * Does `value` look machine-generated rather than written by a person? A short string cannot reach a high
 * entropy (16 distinct characters give at most 4 bits), so the bar is relative to the most the value's length
 * and alphabet allow, with a floor that words and identifiers rarely pass; values that read as words fail.
 */
export function looksRandom(value: string): boolean {
  if (value.length < 12) return false;
  const classes = CLASSES.filter((c) => c.re.test(value));
  if (classes.filter((c) => c.size !== SYMBOLS).length < 2) return false;
  // The alphabet the value seems drawn from: hex, or the character classes it uses.
  const alphabet = /^[0-9a-f]+$/i.test(value) ? 16 : classes.reduce((n, c) => n + c.size, 0);
  const ceiling = Math.log2(Math.min(value.length, alphabet));
  return shannonEntropy(value) >= Math.max(3, RANDOMNESS * ceiling) && wordShare(value) <= MAX_WORD_SHARE;
}
