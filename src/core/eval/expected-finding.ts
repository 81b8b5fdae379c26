import { z } from "zod";
import { SEVERITIES, type Severity } from "../workflow/workflow.schema.js";

/** A line range `10-14` (inclusive, first ≤ last). */
export const LINE_RANGE = /^([1-9][0-9]*)\s*-\s*([1-9][0-9]*)$/;

/**
 * One item of a case's `expected.yaml`, as written. `line` is on the new side of the diff, a number or a range
 * `"10-14"`; without it the item is about the file as a whole (a missing test). `about`: keywords, one of which
 * a matching finding's title or body must contain (case-insensitive); without it any finding may match.
 */
export const ExpectedItem = z.strictObject({
  /** The file's path as the diff names it (`src/db/users.ts`). */
  file: z.string().min(1),
  line: z.union([z.int().min(1), z.string().regex(LINE_RANGE)]).optional(),
  /** The lowest severity a finding may have to count: a `high` finding matches an expected `medium`. */
  severity: z.enum(SEVERITIES),
  about: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
});
export type ExpectedItem = z.infer<typeof ExpectedItem>;

/** A whole `expected.yaml`: a list, `[]` for a clean change. */
export const ExpectedFile = z.array(ExpectedItem);

/** Lines `start`–`end` of the new side, inclusive; `start === end` for one line. */
export interface LineSpan {
  readonly start: number;
  readonly end: number;
}

/** An expected finding ready to match: the range resolved, `about` lowered to a list of keywords. */
export interface ExpectedFinding {
  readonly file: string;
  /** null: about the whole file. */
  readonly lines: LineSpan | null;
  readonly severity: Severity;
  /** Lower-case keywords; empty when any title will do. */
  readonly about: readonly string[];
}

/** `{ file, line: "10-14", severity, about: "sql" }` → `{ file, lines: { start: 10, end: 14 }, severity, about: ["sql"] }`. */
export function toExpectedFinding(item: ExpectedItem): ExpectedFinding {
  const about = item.about === undefined ? [] : typeof item.about === "string" ? [item.about] : item.about;
  return Object.freeze({
    file: item.file,
    lines: spanOf(item.line),
    severity: item.severity,
    about: Object.freeze(about.map((k) => k.toLowerCase())),
  });
}

function spanOf(line: ExpectedItem["line"]): LineSpan | null {
  if (line === undefined) return null;
  if (typeof line === "number") return { start: line, end: line };
  const m = LINE_RANGE.exec(line);
  return { start: Number(m?.[1]), end: Number(m?.[2]) };
}
