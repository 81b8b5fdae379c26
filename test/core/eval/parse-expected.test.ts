import { describe, expect, test } from "vitest";
import { parseExpected } from "../../../src/core/eval/parse-expected.js";
import { formatWorkflowError } from "../../../src/core/workflow/workflow-error.js";

/** The errors of `text`, formatted as the CLI prints them. */
function errors(text: string, files?: string[]): string[] {
  const r = parseExpected(text, "cases/a/expected.yaml", files);
  if (r.ok) throw new Error("expected errors");
  return r.errors.map(formatWorkflowError);
}

describe("parseExpected", () => {
  test("items with a line, a range, no line, and about as a keyword or a list", () => {
    const r = parseExpected(
      `- file: src/db.ts
  line: 10-14
  severity: high
  about: [SQL, injection]
- file: src/key.ts
  line: 7
  severity: blocker
  about: AWS
- file: src/discount.ts
  severity: medium
`,
      "expected.yaml",
      ["src/db.ts", "src/key.ts", "src/discount.ts"],
    );
    expect(r).toEqual({
      ok: true,
      expected: [
        { file: "src/db.ts", lines: { start: 10, end: 14 }, severity: "high", about: ["sql", "injection"] },
        { file: "src/key.ts", lines: { start: 7, end: 7 }, severity: "blocker", about: ["aws"] },
        { file: "src/discount.ts", lines: null, severity: "medium", about: [] },
      ],
    });
  });

  test("[] is a clean change", () => {
    expect(parseExpected("# nothing to find\n[]\n", "expected.yaml")).toEqual({ ok: true, expected: [] });
  });

  test("every schema error at its line and column", () => {
    expect(
      errors(`- file: src/db.ts
  line: ten
  severity: critical
  lines: 3
- severity: low
- file: src/a.ts
  line: 0
  severity: low
  about: []
`),
    ).toEqual([
      'cases/a/expected.yaml:2:9 item 1: "line" must be a line number or a range like 10-14, got string "ten"',
      'cases/a/expected.yaml:3:13 item 1: unknown severity "critical" (expected one of blocker, high, medium, low)',
      'cases/a/expected.yaml:4:3 item 1: unknown key "lines" (expected one of file, line, severity, about)',
      'cases/a/expected.yaml:5:3 item 2: missing required key "file"',
      'cases/a/expected.yaml:7:9 item 3: "line" must be a line number or a range like 10-14, got number 0',
      'cases/a/expected.yaml:9:10 item 3: "about" must be a keyword or a list of keywords, got a list',
    ]);
  });

  test("a range that ends before it starts, and a file the diff does not change", () => {
    expect(
      errors("- file: src/db.ts\n  line: 14-10\n  severity: high\n- file: src/nope.ts\n  severity: low\n", [
        "src/db.ts",
        "test/db.test.ts",
      ]),
    ).toEqual([
      'cases/a/expected.yaml:2:9 item 1: line range "14-10" ends before it starts',
      'cases/a/expected.yaml:4:9 item 2: "src/nope.ts" is not a file of the change (expected one of src/db.ts, test/db.test.ts)',
    ]);
  });

  test("not a list, an empty file, an item that is not a mapping", () => {
    expect(errors("file: src/db.ts\nline: 3\n")).toEqual([
      "cases/a/expected.yaml:1:1 expected a list of expected findings ([] for a clean change), got a mapping",
    ]);
    expect(errors("")).toEqual([
      "cases/a/expected.yaml:1:1 expected a list of expected findings ([] for a clean change), got an empty file",
    ]);
    expect(errors("- src/db.ts:3\n")).toEqual([
      'cases/a/expected.yaml:1:3 item 1: expected a mapping with file, line, severity, about, got string "src/db.ts:3"',
    ]);
  });

  test("YAML errors: a syntax error, a duplicate key, a tag", () => {
    expect(errors("- file: [src/db.ts\n")[0]).toMatch(/^cases\/a\/expected\.yaml:\d+:\d+ invalid YAML: /);
    expect(errors("- file: a.ts\n  file: b.ts\n  severity: low\n")).toEqual([
      "cases/a/expected.yaml:2:3 invalid YAML: Map keys must be unique",
    ]);
    expect(errors("- !!js/function file: a.ts\n")[0]).toMatch(
      /^cases\/a\/expected\.yaml:1:3 explicit tags are not allowed/,
    );
  });
});
