import { stripHiddenChars } from "../diff/hidden-text.js";

/**
 * Escaping of model- and user-provided text before GitHub renders it. Mentions get a zero-width space after the
 * `@` (`@\u200Buser`: looks the same, notifies nobody, and code is left exact because mentions in code never
 * notify); `<` outside code becomes `&lt;`, so no HTML (`<details>`, `<!--`, `</table>`) can open or close
 * anything; hidden characters (bidi controls, zero-width) are removed first.
 */

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/** `@user`, `@org/team` → `@\u200Buser`: shown the same, links and notifies nobody. */
export function noMentions(text: string): string {
  return text.replace(/@(?=[A-Za-z0-9])/g, "@\u200B");
}

function escapeText(text: string): string {
  return noMentions(text.replace(/</g, "&lt;"));
}

/** The closing run of exactly `n` backticks at or after `from`, or -1. */
function closingRun(line: string, from: number, n: number): number {
  const re = /`+/g;
  re.lastIndex = from;
  for (let m = re.exec(line); m; m = re.exec(line)) if (m[0].length === n) return m.index;
  return -1;
}

/** One line: text escaped, code spans (which never span lines here: the conservative reading) kept exact. */
function escapeLine(line: string): string {
  let out = "";
  let i = 0;
  while (i < line.length) {
    const tick = line.indexOf("`", i);
    if (tick < 0) return out + escapeText(line.slice(i));
    const backslashes = /\\*$/.exec(line.slice(i, tick))?.[0].length ?? 0;
    const run = /^`+/.exec(line.slice(tick))?.[0] ?? "`";
    const close = backslashes % 2 === 1 ? -1 : closingRun(line, tick + run.length, run.length);
    out += escapeText(line.slice(i, tick));
    if (close < 0) {
      out += run;
      i = tick + run.length;
    } else {
      out += line.slice(tick, close + run.length);
      i = close + run.length;
    }
  }
  return out;
}

/** `text` cut to `max` characters with `…`. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/**
 * A table cell or other one-line spot: one line, at most `max` characters of the original, pipes escaped
 * (`\|` works inside code spans in GitHub tables too), mentions and HTML neutralised.
 *
 * @example cellText("a | b\n@bob <b>") // → "a \\| b @\u200Bbob &lt;b>"
 */
export function cellText(text: string, max = 200): string {
  const line = stripHiddenChars(text)
    .text.replace(/\s*[\r\n]+\s*/g, " ")
    .trim();
  return escapeLine(clip(line, max)).replace(/\\*\|/g, "\\|");
}

/**
 * Multi-line Markdown from a model (a finding's body): at most `max` characters of the original, text escaped
 * outside fenced code, and a fence left open closed again so it cannot swallow what follows.
 */
export function blockText(text: string, max = 4000): string {
  const lines = clip(stripHiddenChars(text).text.replace(/\r\n?/g, "\n").trim(), max).split("\n");
  let fence: { char: string; length: number } | null = null;
  const out = lines.map((line) => {
    if (fence) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line)?.[1];
      if (close?.[0] === fence.char && close.length >= fence.length) fence = null;
      return line;
    }
    const open = FENCE_OPEN.exec(line);
    const marker = open?.[1];
    if (marker && !(marker[0] === "`" && open[2]?.includes("`"))) {
      fence = { char: marker[0] as string, length: marker.length };
      return `${marker}${escapeText(open[2] ?? "")}`;
    }
    return escapeLine(line);
  });
  // Assigned inside the callback: TypeScript's narrowing does not see it.
  const open = fence as { char: string; length: number } | null;
  if (open) out.push(open.char.repeat(open.length));
  return out.join("\n");
}

/**
 * `markdown` with a code fence that it leaves open closed, so a cut never turns what follows into code.
 *
 * @example closeOpenFence("```js\nx()") // → "```js\nx()\n```"
 */
export function closeOpenFence(markdown: string): string {
  let fence: string | null = null;
  for (const line of markdown.split("\n")) {
    const marker = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (!marker?.[1]) continue;
    if (fence === null) {
      if (!(marker[1][0] === "`" && marker[2]?.includes("`"))) fence = marker[1];
    } else if (marker[1][0] === fence[0] && marker[1].length >= fence.length && !marker[2]?.trim()) {
      fence = null;
    }
  }
  return fence === null ? markdown : `${markdown}\n${fence}`;
}

/** `text` as one inline code span, whatever backticks it holds: for paths and ids. */
export function codeSpan(text: string): string {
  const flat = stripHiddenChars(text).text.replace(/[\r\n]+/g, " ");
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const ticks = "`".repeat(longest + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${ticks}${pad}${flat}${pad}${ticks}`;
}
