import { CST, Lexer, Parser } from "yaml";

/** Larger files are refused before any parsing. */
export const MAX_FILE_BYTES = 256 * 1024;
/** Deeper nesting is refused before composing: a real workflow file nests about 10 levels. */
export const MAX_DEPTH = 64;
/** Tags are reported one by one, up to this many; past it the file is clearly hostile. */
const MAX_TAG_REPORTS = 20;

/** A problem with the text itself, at a source offset (no data path exists yet). */
export interface TextProblem {
  readonly offset: number;
  readonly message: string;
}

/** The CST of a text that passed the guard (ready for yaml's `Composer`), or why it did not. */
export interface GuardResult {
  readonly problems: readonly TextProblem[];
  readonly tokens: readonly CST.Token[];
}

/**
 * Checks text that is about to be parsed for things a workflow file never needs and an attacker might send:
 * huge files, binary data, explicit tags (`!!js/function`, `!foo`), directives, deep nesting and several
 * documents. Uses yaml's lexer and CST parser, which are iterative, so a 200 KB run of `[` cannot overflow the
 * stack; the recursive composer only runs on the returned tokens when there are no problems.
 */
export function guardYaml(text: string): GuardResult {
  const bytes = utf8Length(text);
  if (bytes > MAX_FILE_BYTES) {
    const message = `file is too large: ${kib(bytes)} (the limit is ${kib(MAX_FILE_BYTES)})`;
    return { problems: [{ offset: 0, message }], tokens: [] };
  }
  const bad = firstNonPrintable(text);
  if (bad >= 0) {
    const code = text.charCodeAt(bad).toString(16).toUpperCase().padStart(4, "0");
    const message = `file is not YAML text: it contains the character U+${code} (binary data?)`;
    return { problems: [{ offset: bad, message }], tokens: [] };
  }
  return scanTokens(text);
}

function kib(bytes: number): string {
  return `${Math.ceil(bytes / 1024)} KiB`;
}

function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A surrogate pair is 4 bytes: 2 for each half.
    n += c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 2 : 3;
  }
  return n;
}

/** Index of the first character YAML does not allow in a stream (C0/C1 controls, lone surrogates), or -1. */
function firstNonPrintable(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x09 || c === 0x0a || c === 0x0d || c === 0x85) continue;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0xfffe || c === 0xffff) return i;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
      return i;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return i;
  }
  return -1;
}

/**
 * One pass of yaml's lexer feeding its CST parser by hand, so that it can stop early: explicit tags, directives,
 * a second document, and nesting (the parser's stack is the path of open collections, so its depth is exact and
 * known at every token, before a deep file costs anything).
 */
function scanTokens(text: string): GuardResult {
  const problems: TextProblem[] = [];
  const tokens: CST.Token[] = [];
  const parser = new Parser();
  let documents = 0;
  const topLevel = (token: CST.Token): void => {
    tokens.push(token);
    if (token.type === "directive") {
      problems.push({
        offset: token.offset,
        message: `YAML directives are not supported (found ${JSON.stringify(token.source.trim())})`,
      });
    } else if (token.type === "document" && ++documents === 2) {
      problems.push({
        offset: token.offset,
        message: 'expected a single YAML document, found a second one (remove the "---" separator)',
      });
    }
  };
  let atScalar = false;
  let tags = 0;
  for (const lexeme of new Lexer().lex(text)) {
    // The lexer emits marker tokens that are not in the source; the token after a SCALAR marker is scalar text.
    const type = atScalar ? "scalar" : CST.tokenType(lexeme);
    atScalar = lexeme === CST.SCALAR;
    if (type === "tag" && tags++ < MAX_TAG_REPORTS) {
      problems.push({
        offset: parser.offset,
        message: `explicit tags are not allowed (found ${JSON.stringify(lexeme)}); write plain values`,
      });
    }
    for (const token of parser.next(lexeme)) topLevel(token);
    // Below the document, the stack holds open collections plus at most a couple of tokens in progress.
    if (parser.stack.length > MAX_DEPTH + 1) {
      const deep = parser.stack.filter((t) => CST.isCollection(t))[MAX_DEPTH];
      if (deep) {
        const message = `nesting is deeper than ${MAX_DEPTH} levels`;
        return { problems: [...problems, { offset: deep.offset, message }], tokens: [] };
      }
    }
  }
  for (const token of parser.end()) topLevel(token);
  return { problems, tokens };
}
