import { describe, expect, test } from "vitest";
import { parseUnifiedDiff } from "../../../src/core/diff/parse-unified-diff.js";
import { addressedBy, type FlaggedFinding } from "../../../src/core/findings/addressed.js";
import { codeHash } from "../../../src/core/findings/finding-fingerprint.js";

const QUERY = 'const rows = db.query("select * from users where id = " + id);';
const EVAL = "const result = eval(userInput);";

/** A finding flagged on one line of `file`, as the ledger keeps it. */
function flagged(fingerprint: string, file: string, line: string): FlaggedFinding {
  const hash = codeHash({ lines: [line], before: [], after: [] });
  if (hash === null) throw new Error("codeHash of known code is never null");
  return { fingerprint, file, codeHash: hash };
}

/** The PR's diff when both findings were posted: src/db.ts and src/run.ts each add their flagged line. */
const posted = parseUnifiedDiff(
  [
    "diff --git a/src/db.ts b/src/db.ts",
    "--- a/src/db.ts",
    "+++ b/src/db.ts",
    "@@ -1,2 +1,3 @@",
    " export function find(id: string) {",
    `+  ${QUERY}`,
    "   return rows;",
    "diff --git a/src/run.ts b/src/run.ts",
    "--- a/src/run.ts",
    "+++ b/src/run.ts",
    "@@ -4,2 +4,3 @@",
    " export function run(userInput: string) {",
    `+  ${EVAL}`,
    "   return result;",
    "",
  ].join("\n"),
);

const query = flagged("f-query", "src/db.ts", QUERY);
const evil = flagged("f-eval", "src/run.ts", EVAL);

describe("addressedBy", () => {
  test("the diff the findings were posted on addresses nothing", () => {
    expect(addressedBy([query, evil], posted)).toEqual([]);
  });

  test("a push that changes the flagged line addresses that finding only", () => {
    const after = parseUnifiedDiff(
      [
        "diff --git a/src/db.ts b/src/db.ts",
        "--- a/src/db.ts",
        "+++ b/src/db.ts",
        "@@ -1,2 +1,3 @@",
        " export function find(id: string) {",
        '+  const rows = db.query("select * from users where id = $1", [id]);',
        "   return rows;",
        "diff --git a/src/run.ts b/src/run.ts",
        "--- a/src/run.ts",
        "+++ b/src/run.ts",
        "@@ -4,2 +4,3 @@",
        " export function run(userInput: string) {",
        `+  ${EVAL}`,
        "   return result;",
        "",
      ].join("\n"),
    );
    expect(addressedBy([query, evil], after)).toEqual(["f-query"]);
  });

  test("a moved flagged line (another place, another line number) is not addressed", () => {
    const after = parseUnifiedDiff(
      [
        "diff --git a/src/db.ts b/src/db.ts",
        "--- a/src/db.ts",
        "+++ b/src/db.ts",
        "@@ -1,2 +1,6 @@",
        " export function find(id: string) {",
        "+  // look the user up",
        "+  const log = logger.child({ id });",
        "+  log.debug('finding');",
        `+  ${QUERY}`,
        "   return rows;",
        "",
      ].join("\n"),
    );
    expect(after[0]?.hunks[0]?.lines[4]).toMatchObject({ type: "add", newLine: 5 });
    expect(addressedBy([query], after)).toEqual([]);
  });

  test("a re-indented or re-spaced flagged line is not addressed", () => {
    const after = parseUnifiedDiff(
      [
        "diff --git a/src/db.ts b/src/db.ts",
        "--- a/src/db.ts",
        "+++ b/src/db.ts",
        "@@ -1,2 +1,3 @@",
        " export function find(id: string) {",
        '+        const rows =   db.query("select * from users where id = "+id);',
        "   return rows;",
        "",
      ].join("\n"),
    );
    expect(addressedBy([query], after)).toEqual([]);
  });

  test("a file that left the PR addresses its findings; the others stay", () => {
    const onlyRun = posted.filter((f) => f.path === "src/run.ts");
    expect(addressedBy([query, evil], onlyRun)).toEqual(["f-query"]);
    expect(addressedBy([query, evil], [])).toEqual(["f-query", "f-eval"]);
  });

  test("a deleted file addresses its findings: its lines are only on the old side", () => {
    const after = parseUnifiedDiff(
      [
        "diff --git a/src/db.ts b/src/db.ts",
        "deleted file mode 100644",
        "index 3b18e51..0000000",
        "--- a/src/db.ts",
        "+++ /dev/null",
        "@@ -1,3 +0,0 @@",
        "-export function find(id: string) {",
        `-  ${QUERY}`,
        "-  return rows;",
        "",
      ].join("\n"),
    );
    expect(after[0]).toMatchObject({ path: "src/db.ts", status: "deleted" });
    expect(addressedBy([query], after)).toEqual(["f-query"]);
  });

  test("a file whose patch is missing (no hunks) tells nothing: its findings stay", () => {
    const after = parseUnifiedDiff(
      [
        "diff --git a/src/db.ts b/src/db.ts",
        "index 3b18e51..9f2c1aa 100644",
        "diff --git a/src/run.ts b/src/run.ts",
        "--- a/src/run.ts",
        "+++ b/src/run.ts",
        "@@ -4,2 +4,2 @@",
        " export function run(userInput: string) {",
        "   return result;",
        "",
      ].join("\n"),
    );
    expect(after.map((f) => [f.path, f.hunks.length])).toEqual([
      ["src/db.ts", 0],
      ["src/run.ts", 1],
    ]);
    expect(addressedBy([query, evil], after)).toEqual(["f-eval"]);
  });

  test("a file split in parts is read in every part; one part without hunks does not make it unknown", () => {
    const [db] = posted;
    if (!db) throw new Error("src/db.ts is in the diff");
    const first = { ...db, hunks: [], part: { index: 1, of: 2 } };
    expect(addressedBy([query], [first, { ...db, part: { index: 2, of: 2 } }])).toEqual([]);
    const changed = {
      ...db,
      hunks: db.hunks.map((h) => ({ ...h, lines: h.lines.filter((l) => l.type !== "add") })),
    };
    expect(addressedBy([query], [first, { ...changed, part: { index: 2, of: 2 } }])).toEqual(["f-query"]);
  });
});
