import { stripCommentsInLine } from "../diff/hidden-text.js";

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/** Columns of leading whitespace, a tab counting as 4 (enough to tell indented code from text). */
function indentOf(line: string): number {
  let n = 0;
  for (const ch of line) {
    if (ch === " ") n++;
    else if (ch === "\t") n += 4;
    else break;
  }
  return n;
}

/**
 * The lines of a Markdown comment that a reader sees as plain text, in order: lines inside fenced code (```` ``` ````
 * or `~~~`, unclosed fences running to the end), indented code (4+ spaces after a blank line), block quotes (`>`)
 * and HTML comments are left out, so quoting or showing a command never runs it.
 *
 * @example plainLines("> /agents approve\n/agents status") // → ["/agents status"]
 */
export function plainLines(body: string): string[] {
  const out: string[] = [];
  let fence: { char: string; length: number } | null = null;
  let comment = false;
  let prevBlank = true;
  let indented = false;
  for (const raw of body.split(/\r\n|\r|\n/)) {
    if (fence) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(raw);
      if (close?.[1]?.[0] === fence.char && close[1].length >= fence.length) fence = null;
      continue;
    }
    const stripped = stripCommentsInLine(raw, comment);
    comment = stripped.open;
    const line = stripped.text;
    const open = FENCE_OPEN.exec(line);
    const marker = open?.[1];
    if (marker && !(marker[0] === "`" && open[2]?.includes("`"))) {
      fence = { char: marker[0] as string, length: marker.length };
      prevBlank = false;
      indented = false;
      continue;
    }
    if (line.trim() === "") {
      prevBlank = true;
      continue;
    }
    if (indentOf(line) >= 4 && (prevBlank || indented)) {
      indented = true;
      prevBlank = false;
      continue;
    }
    indented = false;
    prevBlank = false;
    if (line.trimStart().startsWith(">")) continue;
    out.push(line);
  }
  return out;
}
