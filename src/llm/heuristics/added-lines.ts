import type { FileDiff } from "../../core/diff/diff.js";

/** An added line with its new-side number. */
export interface AddedLine {
  readonly text: string;
  readonly line: number;
}

/** Every added line of a file, in order. */
export function addedLines(file: FileDiff): AddedLine[] {
  return file.hunks.flatMap((h) =>
    h.lines.flatMap((l) =>
      l.type === "add" && l.newLine !== null ? [{ text: l.text, line: l.newLine }] : [],
    ),
  );
}

/** A line that is only a comment: `// …`, `# …`, `/* …`, ` * …`, `-- …`, `<!-- …`. */
export function isCommentLine(text: string): boolean {
  return /^\s*(\/\/|#|\/\*|\*|--|<!--|;;)/.test(text);
}
