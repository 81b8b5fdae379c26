import { Composer, type Document, isMap, isScalar, isSeq, LineCounter } from "yaml";
import { describeValue, expectedOneOf, quote } from "../workflow/describe-value.js";
import { MAX_ALIAS_COUNT } from "../workflow/read-yaml.js";
import { SEVERITIES } from "../workflow/workflow.schema.js";
import type { WorkflowError, WorkflowPath } from "../workflow/workflow-error.js";
import { guardYaml } from "../workflow/yaml-guard.js";
import { locatePath } from "../workflow/yaml-locate.js";
import { ExpectedFile, type ExpectedFinding, toExpectedFinding } from "./expected-finding.js";

/** The expected findings of a case, or every error with its line and column. */
export type ParseExpectedResult =
  | { ok: true; expected: readonly ExpectedFinding[] }
  | { ok: false; errors: WorkflowError[] };

const KEYS = ["file", "line", "severity", "about"];

/** A problem on the data, before it has a position. */
interface Problem {
  readonly path: WorkflowPath;
  readonly message: string;
  readonly at?: "key";
}

/**
 * Parses a case's `expected.yaml`: a YAML list of `{ file, line, severity, about }`, `[]` for a clean change.
 * Never throws; every error names the file, line and column like the workflow file's (`formatWorkflowError`).
 * With `diffFiles` (the paths of the case's diff), an item about a file the diff does not change is an error:
 * no finding could ever match it.
 *
 * @example
 * parseExpected("- file: src/db.ts\n  line: 10-14\n  severity: high\n  about: [sql, injection]\n", "expected.yaml")
 * // → { ok: true, expected: [{ file: "src/db.ts", lines: { start: 10, end: 14 }, severity: "high", about: ["sql", "injection"] }] }
 */
export function parseExpected(
  text: string,
  file: string,
  diffFiles?: readonly string[],
): ParseExpectedResult {
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lines.addNewLine(i + 1);
  const error = (offset: number, message: string, path: WorkflowPath = []): WorkflowError => {
    const { line, col } = lines.linePos(offset);
    return { file, line, col, message, path };
  };
  const fail = (errors: WorkflowError[]): ParseExpectedResult => ({
    ok: false,
    errors: errors.sort((a, b) => a.line - b.line || a.col - b.col),
  });

  // 1. The YAML: hostile input refused first, as for the workflow file; duplicate keys are YAML errors here.
  const guarded = guardYaml(text);
  if (guarded.problems.length > 0) return fail(guarded.problems.map((p) => error(p.offset, p.message)));
  const composer = new Composer({
    version: "1.2",
    schema: "core",
    merge: false,
    uniqueKeys: true,
    strict: true,
  });
  const [doc] = [...composer.compose(guarded.tokens, true, text.length)];
  if (!doc) return fail([error(0, "cannot read the YAML")]);
  if (doc.errors.length > 0) {
    return fail(doc.errors.map((e) => error(e.pos[0], `invalid YAML: ${firstLine(e.message)}`)));
  }
  const root = doc.contents;
  if (root === null || !isSeq(root)) {
    const got =
      root === null
        ? "an empty file"
        : isMap(root)
          ? "a mapping"
          : isScalar(root)
            ? describeValue(root.value)
            : "an alias";
    return fail([
      error(
        root?.range?.[0] ?? 0,
        `expected a list of expected findings ([] for a clean change), got ${got}`,
      ),
    ]);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    return fail([error(0, `cannot read the YAML: ${(e as Error).message}`)]);
  }

  // 2. The schema, then what it cannot say: a range that ends before it starts.
  const parsed = ExpectedFile.safeParse(data);
  const place = (p: Problem) =>
    error(locatePath(doc as Document.Parsed, p.path, p.at).offset, p.message, p.path);
  if (!parsed.success) {
    const seen = new Set<string>();
    const problems = parsed.error.issues
      .flatMap((issue) => describeIssue(issue, data))
      .filter(
        (p) => !seen.has(`${p.path.join("/")} ${p.message}`) && seen.add(`${p.path.join("/")} ${p.message}`),
      );
    return fail(problems.map(place));
  }
  const expected = parsed.data.map(toExpectedFinding);
  const problems = expected.flatMap((e, i): Problem[] => [
    ...(e.lines && e.lines.start > e.lines.end
      ? [
          {
            path: [i, "line"],
            message: `item ${i + 1}: line range ${quote(String(parsed.data[i]?.line))} ends before it starts`,
          },
        ]
      : []),
    ...(diffFiles && !diffFiles.includes(e.file)
      ? [
          {
            path: [i, "file"],
            message: `item ${i + 1}: ${quote(e.file)} is not a file of the change (${expectedOneOf(diffFiles)})`,
          },
        ]
      : []),
  ]);
  if (problems.length > 0) return fail(problems.map(place));
  return { ok: true, expected: Object.freeze(expected) };
}

interface Issue {
  readonly code: string;
  readonly path: PropertyKey[];
  readonly keys?: string[];
}

/** One zod issue as a message a user can act on: `item 2: unknown severity "critical" (expected one of …)`. */
function describeIssue(issue: Issue, data: unknown): Problem[] {
  const path = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
  const [index, key] = path;
  if (typeof index !== "number") return [{ path, message: "expected a list of expected findings" }];
  const item = `item ${index + 1}`;
  const itemValue = (data as unknown[])[index];
  if (itemValue === null || typeof itemValue !== "object" || Array.isArray(itemValue)) {
    return [
      {
        path: [index],
        message: `${item}: expected a mapping with ${KEYS.join(", ")}, got ${describeValue(itemValue)}`,
      },
    ];
  }
  if (issue.code === "unrecognized_keys") {
    return (issue.keys ?? []).map((k) => ({
      path: [index, k],
      at: "key" as const,
      message: `${item}: unknown key ${quote(k)} (${expectedOneOf(KEYS)})`,
    }));
  }
  const value = (itemValue as Record<string, unknown>)[String(key)];
  if (value === undefined)
    return [{ path: [index], message: `${item}: missing required key ${quote(String(key))}` }];
  const got = describeValue(value);
  const at = [index, String(key)];
  switch (key) {
    case "file":
      return [{ path: at, message: `${item}: "file" must be the file's path in the diff, got ${got}` }];
    case "line":
      return [
        { path: at, message: `${item}: "line" must be a line number or a range like 10-14, got ${got}` },
      ];
    case "severity":
      return [
        {
          path: at,
          message: `${item}: unknown severity ${typeof value === "string" ? quote(value) : got} (${expectedOneOf(SEVERITIES)})`,
        },
      ];
    default:
      return [{ path: at, message: `${item}: "about" must be a keyword or a list of keywords, got ${got}` }];
  }
}

/** yaml's messages end with " at line 3, column 1:" plus an excerpt; the position is given separately. */
function firstLine(message: string): string {
  return (message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
}
