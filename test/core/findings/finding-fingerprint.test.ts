import { describe, expect, test } from "vitest";
import { parseUnifiedDiff } from "../../../src/core/diff/parse-unified-diff.js";
import type { Finding } from "../../../src/core/findings/finding.js";
import {
  codeHash,
  type FingerprintInput,
  type FlaggedCode,
  findingFingerprint,
  findingFingerprintOf,
  fingerprintMarker,
  fingerprintsIn,
  flaggedCode,
} from "../../../src/core/findings/finding-fingerprint.js";

const code = (
  lines: readonly string[],
  before: readonly string[] = [],
  after: readonly string[] = [],
): FlaggedCode => ({
  lines,
  before,
  after,
});

const QUERY = '  const rows = await db.query("select * from users where id = " + id);';
const base: FingerprintInput = {
  stepKind: "agent",
  file: "src/users.ts",
  title: "SQL injection in query",
  line: 12,
  code: code(
    [QUERY],
    ["export async function user(req) {", "  const id = req.params.id;"],
    ["  return rows[0];", "}"],
  ),
};
const fp = (over: Partial<FingerprintInput> = {}) => findingFingerprintOf({ ...base, ...over });

describe("findingFingerprintOf: stable", () => {
  test("16 hex characters, the same for the same input", () => {
    expect(fp()).toMatch(/^[0-9a-f]{16}$/);
    expect(fp()).toBe(fp());
  });

  test("under line moves: the line number is not used when the code is known", () => {
    expect(fp({ line: 40 })).toBe(fp());
    expect(fp({ line: null })).toBe(fp());
  });

  test("under whitespace-only edits of the flagged line", () => {
    const reindented = 'const rows=await db.query("select * from users where id = " + id);\t';
    expect(fp({ code: { ...(base.code as FlaggedCode), lines: [reindented] } })).toBe(fp());
  });

  test("under renames and edits in neighbouring lines of a non-trivial line", () => {
    const renamed = code(
      [QUERY],
      ["export async function findUser(request) {", "  const id = request.params.userId;"],
      ["  return rows.at(0) ?? null;"],
    );
    expect(fp({ code: renamed })).toBe(fp());
    expect(fp({ code: code([QUERY]) })).toBe(fp());
  });

  test("under rewording of the title within its class", () => {
    expect(fp({ title: "Possible SQL injection via string concatenation" })).toBe(fp());
  });

  test("under severity and body changes", () => {
    const finding: Finding = {
      file: "src/users.ts",
      line: 12,
      severity: "high",
      title: "SQL injection",
      body: "a",
    };
    const of = (f: Finding) => findingFingerprintOf({ ...f, stepKind: "agent", code: base.code });
    expect(of({ ...finding, severity: "low", body: "reworded" })).toBe(of(finding));
  });
});

describe("findingFingerprintOf: changes", () => {
  test("when the flagged line's code changes", () => {
    const fixed = "  const rows = await db.query('select * from users where id = $1', [id]);";
    expect(fp({ code: code([fixed], base.code?.before, base.code?.after) })).not.toBe(fp());
  });

  test("when the file, the step kind or the title's class changes", () => {
    expect(fp({ file: "src/accounts.ts" })).not.toBe(fp());
    expect(fp({ stepKind: "security" })).not.toBe(fp());
    expect(fp({ title: "Missing error handling for the query" })).not.toBe(fp());
  });

  test("without code, by line: a different line is a different finding", () => {
    expect(fp({ code: null, line: 12 })).not.toBe(fp({ code: null, line: 13 }));
    expect(fp({ code: null, line: 12 })).not.toBe(fp());
    expect(fp({ code: null, line: null })).not.toBe(fp({ code: null, line: 12 }));
  });

  test("differs from the legacy fingerprint of the same finding", () => {
    expect(fp()).not.toBe(findingFingerprint({ file: base.file, line: base.line, title: base.title }));
  });
});

describe("findingFingerprintOf: trivial lines", () => {
  test("two `}` in one file differ by their nearest non-trivial neighbours", () => {
    const close1 = code(["}"], ["  if (!user) {", "    return notFound(res);"], ["", "function b() {"]);
    const close2 = code(
      ["}"],
      ["  for (const x of xs) {", "    total += weight(x);"],
      ["", "function c() {"],
    );
    expect(fp({ code: close1 })).not.toBe(fp({ code: close2 }));
  });

  test("trivial neighbours are skipped: the nearest non-trivial line above and below decides", () => {
    const a = code(["  return;"], ["    notify(subscribers);", "  }"], ["}", "export const LIMIT = 10;"]);
    const b = code(
      ["return;"],
      ["    notify(subscribers);", "", "  }  "],
      ["", "}", "export const LIMIT = 10;"],
    );
    expect(fp({ code: a })).toBe(fp({ code: b }));
    // and a change in that neighbour is a change of the trivial line's fingerprint
    const c = code(["return;"], ["    notify(listeners);", "  }"], ["}", "export const LIMIT = 10;"]);
    expect(fp({ code: c })).not.toBe(fp({ code: a }));
  });
});

describe("codeHash", () => {
  test("the flagged code alone, normalised: null when unknown", () => {
    expect(codeHash(null)).toBeNull();
    expect(codeHash(code(["  a = b + 1;"], ["x"], ["y"]))).toMatch(/^[0-9a-f]{16}$/);
    expect(codeHash(code(["  a = b + 1;"], ["x"], ["y"]))).toBe(codeHash(code(["a=b+1;"], ["z"], [])));
    expect(codeHash(code(["a = b + 2;"]))).not.toBe(codeHash(code(["a = b + 1;"])));
    expect(codeHash(code(["a;", "b;"]))).not.toBe(codeHash(code(["a;b;"])));
  });
});

const V1 = `diff --git a/src/users.ts b/src/users.ts
index 1111111..2222222 100644
--- a/src/users.ts
+++ b/src/users.ts
@@ -10,7 +10,8 @@ import { db } from "./db.js";
 
 export async function user(req) {
   const id = req.params.id;
+  const rows = await db.query("select * from users where id = " + id);
+  return rows[0];
-  return null;
 }
 
 export const LIMIT = 10;
diff --git a/README.md b/README.md
index 3333333..4444444 100644
--- a/README.md
+++ b/README.md
@@ -1,2 +1,2 @@
-# Users
+# Users service
 Docs.
`;

// The same change after a push that added five lines above it.
const V2 = `diff --git a/src/users.ts b/src/users.ts
index 1111111..5555555 100644
--- a/src/users.ts
+++ b/src/users.ts
@@ -10,7 +10,13 @@ import { db } from "./db.js";
 
+/** Looks a user up. */
+// (five lines added above the flagged one)
+//
+//
+//
 export async function findUser(req) {
   const id = req.params.id;
+    const rows  = await db.query("select * from users where id = " + id);
+  return rows[0];
-  return null;
 }
 
 export const LIMIT = 10;
`;

describe("flaggedCode", () => {
  const files = parseUnifiedDiff(V1);

  test("the new-side line and up to 3 new-side lines before and after it in the hunk", () => {
    // new side: 10 "", 11 export…, 12 const id, 13 const rows, 14 return rows[0], 15 }, 16 "", 17 export const
    expect(flaggedCode(files, "src/users.ts", 13)).toEqual({
      lines: ['  const rows = await db.query("select * from users where id = " + id);'],
      before: ["", "export async function user(req) {", "  const id = req.params.id;"],
      after: ["  return rows[0];", "}", ""],
    });
  });

  test("a span of lines; context clipped at the hunk's edges; deleted lines never count", () => {
    expect(flaggedCode(files, "src/users.ts", 13, 2)).toEqual({
      lines: ['  const rows = await db.query("select * from users where id = " + id);', "  return rows[0];"],
      before: ["", "export async function user(req) {", "  const id = req.params.id;"],
      after: ["}", "", "export const LIMIT = 10;"],
    });
    expect(flaggedCode(files, "src/users.ts", 10)).toEqual({
      lines: [""],
      before: [],
      after: ["export async function user(req) {", "  const id = req.params.id;", expect.any(String)],
    });
    expect(flaggedCode(files, "src/users.ts", 17)?.after).toEqual([]);
  });

  test("null outside the diff's new side, for another file, or for a file-level finding", () => {
    expect(flaggedCode(files, "src/users.ts", 9)).toBeNull();
    expect(flaggedCode(files, "src/users.ts", 18)).toBeNull();
    expect(flaggedCode(files, "src/other.ts", 13)).toBeNull();
    expect(flaggedCode(files, "src/users.ts", null)).toBeNull();
    expect(flaggedCode(files, "README.md", 1)).toEqual({
      lines: ["# Users service"],
      before: [],
      after: ["Docs."],
    });
  });

  test("the fingerprint survives a push that moved the line, reindented it and renamed its function", () => {
    const v2 = parseUnifiedDiff(V2);
    expect(flaggedCode(v2, "src/users.ts", 18)?.lines).toEqual([
      '    const rows  = await db.query("select * from users where id = " + id);',
    ]);
    const at = (diff: typeof files, line: number, title: string) =>
      findingFingerprintOf({
        stepKind: "agent",
        file: "src/users.ts",
        title,
        line,
        code: flaggedCode(diff, "src/users.ts", line),
      });
    expect(at(v2, 18, "Possible SQL injection via string concatenation")).toBe(
      at(files, 13, "SQL injection in query"),
    );
    expect(codeHash(flaggedCode(v2, "src/users.ts", 18))).toBe(
      codeHash(flaggedCode(files, "src/users.ts", 13)),
    );
    // The `}` at 15 (v1) and 20 (v2): its neighbour above is the same `return rows[0];`.
    expect(at(v2, 20, "Unclosed block")).toBe(at(files, 15, "Unclosed block"));
  });
});

describe("legacy fingerprint and markers", () => {
  test("findingFingerprint: file, line and title as before this change (stored findings keep matching)", () => {
    expect(findingFingerprint({ file: "a.ts", line: 3, title: "SQL injection" })).toBe("632a45a350a0cc73");
    expect(
      findingFingerprint({ file: "src/db/users.ts", line: null, title: "  Missing   index \n on users " }),
    ).toBe("9b84412f52d047ff");
  });

  test("markers round-trip", () => {
    const a = fp();
    const b = fp({ file: "b.ts" });
    expect(fingerprintsIn(`x ${fingerprintMarker(a)} y ${fingerprintMarker(b)}`)).toEqual([a, b]);
    expect(fingerprintsIn("<!-- phasegate:finding nothex -->")).toEqual([]);
  });
});
