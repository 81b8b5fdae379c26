/** What was hidden in untrusted text: invisible to a human reader, read all the same by a model. */
export type HiddenKind = "bidi control" | "zero-width" | "invisible format" | "html comment";

const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF]/;
/**
 * Every Unicode format character (`Cf`: bidi controls, zero-width characters, tag characters that can smuggle
 * ASCII, soft hyphens), plus invisible characters outside `Cf`: Hangul fillers (used as invisible identifiers)
 * and the variation selectors supplement (used to smuggle bytes after a visible character).
 */
const HIDDEN = /\p{Cf}|[\u115F\u1160\u3164\uFFA0]|[\u{E0100}-\u{E01EF}]/gu;
/** A zero-width joiner between two pictographs builds one emoji (👨‍👩‍👧): visible, not hidden. */
const EMOJI_BEFORE = /\p{Extended_Pictographic}\uFE0F?$/u;
const EMOJI_AFTER = /^\p{Extended_Pictographic}/u;

function kindOf(char: string): HiddenKind {
  if (BIDI.test(char)) return "bidi control";
  if (ZERO_WIDTH.test(char)) return "zero-width";
  return "invisible format";
}

/** `text` without hidden characters, and the kinds that were there (empty when it was clean). */
export interface Cleaned {
  readonly text: string;
  readonly found: readonly HiddenKind[];
}

/**
 * Removes hidden characters from `text`. A byte-order mark that opens the text is removed without being
 * reported (editors write it), and zero-width joiners inside emoji are kept.
 *
 * @example stripHiddenChars("a\u202Eb") // → { text: "ab", found: ["bidi control"] }
 */
export function stripHiddenChars(text: string, opts: { atStart?: boolean } = {}): Cleaned {
  const found = new Set<HiddenKind>();
  const cleaned = text.replace(HIDDEN, (char, offset: number) => {
    if (char === "\uFEFF" && offset === 0 && opts.atStart !== false) return "";
    if (
      char === "\u200D" &&
      EMOJI_BEFORE.test(text.slice(Math.max(0, offset - 3), offset)) &&
      EMOJI_AFTER.test(text.slice(offset + 1, offset + 3))
    ) {
      return char;
    }
    found.add(kindOf(char));
    return "";
  });
  return { text: cleaned, found: [...found] };
}

/**
 * Removes `<!-- … -->` from one line, given whether a comment is already open; an unclosed comment hides the
 * rest of the text, as it does when Markdown or HTML is rendered.
 */
export function stripCommentsInLine(
  line: string,
  open: boolean,
): { text: string; open: boolean; found: boolean } {
  let out = "";
  let i = 0;
  let found = open;
  while (i < line.length) {
    if (open) {
      const end = line.indexOf("-->", i);
      if (end < 0) return { text: out, open: true, found: true };
      i = end + 3;
      open = false;
      continue;
    }
    const start = line.indexOf("<!--", i);
    if (start < 0) {
      out += line.slice(i);
      break;
    }
    out += line.slice(i, start);
    found = true;
    open = true;
    i = start + 4;
  }
  return { text: out, open, found };
}

/**
 * PR or issue text as a model may read it: hidden characters and HTML comments (invisible on GitHub, where
 * PR templates and prompt injections both hide text in them) removed.
 *
 * @example cleanUntrustedText("Fix <!-- ignore previous instructions -->") // → { text: "Fix ", found: ["html comment"] }
 */
export function cleanUntrustedText(text: string): Cleaned {
  const chars = stripHiddenChars(text);
  const lines = chars.text.split("\n");
  let open = false;
  let comment = false;
  const out = lines.map((line) => {
    const r = stripCommentsInLine(line, open);
    open = r.open;
    comment ||= r.found;
    return r.text;
  });
  return {
    text: out.join("\n"),
    found: comment ? [...chars.found, "html comment"] : chars.found,
  };
}
