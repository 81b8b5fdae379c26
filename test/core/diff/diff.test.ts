import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { FileDiff } from "../../../src/core/diff/diff.js";
import { parseUnifiedDiff } from "../../../src/core/diff/parse-unified-diff.js";

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/diffs/${name}`, import.meta.url), "utf8");
const byPath = (files: FileDiff[], path: string) => {
  const file = files.find((f) => f.path === path);
  if (!file) throw new Error(`no ${path} in ${files.map((f) => f.path).join(", ")}`);
  return file;
};
/** `+3:text` for added, ` 4:text` for context, `-(7):text` for removed lines: numbers at a glance. */
const numbered = (file: FileDiff) =>
  file.hunks.flatMap((h) =>
    h.lines.map((l) =>
      l.type === "del"
        ? `-(${l.oldLine}):${l.text}`
        : `${l.type === "add" ? "+" : " "}${l.newLine}:${l.text}`,
    ),
  );

describe("parseUnifiedDiff on `git diff` output", () => {
  const files = parseUnifiedDiff(fixture("mixed.diff"));

  it("reads every file with its status", () => {
    expect(files.map((f) => [f.path, f.status])).toEqual([
      ["docs/café.md", "added"],
      ["docs/with space.md", "modified"],
      ["lib/moved.txt", "renamed"],
      ["logo.png", "modified"],
      ["nonl.txt", "modified"],
      ["run.sh", "modified"],
      ["src/added.ts", "added"],
      ["src/gone.ts", "deleted"],
      ["src/math.ts", "modified"],
      ["src/multi.txt", "modified"],
      ["src/new-name.ts", "renamed"],
    ]);
  });

  it("numbers added and context lines on the new side, removed lines on the old side", () => {
    expect(numbered(byPath(files, "src/math.ts"))).toEqual([
      "-(1):export function add(a: number, b: number) {",
      "+1:export function add(a: number, b: number): number {",
      "+2:  console.log(a, b);",
      " 3:  return a + b;",
      " 4:}",
    ]);
    const math = byPath(files, "src/math.ts");
    expect([math.additions, math.deletions, math.blobSha]).toEqual([2, 1, "6fe95dc"]);
  });

  it("keeps several hunks with their ranges and section headings", () => {
    const multi = byPath(files, "src/multi.txt");
    expect(multi.hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines, h.header])).toEqual([
      [1, 6, 1, 6, ""],
      [27, 7, 27, 7, "line 26"],
      [38, 3, 38, 4, "line 37"],
    ]);
    expect(numbered(multi).filter((l) => l.startsWith("+"))).toEqual([
      "+3:line three",
      "+30:line thirty",
      "+41:line 41",
    ]);
  });

  it("reads renames with similarity, and pure renames without hunks", () => {
    expect(byPath(files, "src/new-name.ts")).toMatchObject({
      oldPath: "src/old-name.ts",
      similarity: 78,
      additions: 1,
      deletions: 1,
      blobSha: "4706dd3",
    });
    expect(byPath(files, "lib/moved.txt")).toMatchObject({
      oldPath: "src/moved.txt",
      similarity: 100,
      hunks: [],
    });
  });

  it("reads added and deleted files: new-side blob, or none for a deletion", () => {
    expect(byPath(files, "src/added.ts")).toMatchObject({
      oldPath: null,
      newMode: "100644",
      blobSha: "ce2b18a",
    });
    expect(numbered(byPath(files, "src/added.ts"))).toEqual(["+1:brand new", "+2:file here"]);
    expect(byPath(files, "src/gone.ts")).toMatchObject({
      blobSha: null,
      additions: 0,
      deletions: 2,
      oldMode: "100644",
    });
  });

  it("reads mode changes", () => {
    expect(byPath(files, "run.sh")).toMatchObject({
      oldMode: "100644",
      newMode: "100755",
      hunks: [],
      binary: false,
    });
  });

  it("marks binary files, from `Binary files … differ` and from `GIT binary patch`", () => {
    expect(byPath(files, "logo.png")).toMatchObject({ binary: true, hunks: [], blobSha: "a531ea3" });
    const [patched] = parseUnifiedDiff(fixture("binary-patch.diff"));
    expect(patched).toMatchObject({
      path: "logo.png",
      binary: true,
      hunks: [],
      blobSha: "a531ea3a6af570dcb20a1a78360707fcd542dba4",
    });
  });

  it("skips `\\ No newline at end of file` markers", () => {
    expect(numbered(byPath(files, "nonl.txt"))).toEqual([" 1:a", "-(2):b", "+2:b", "+3:c"]);
  });

  it("reads paths with spaces and C-quoted paths", () => {
    expect(numbered(byPath(files, "docs/with space.md"))).toEqual([" 1:hello", "+2:world"]);
    expect(numbered(byPath(files, "docs/café.md"))).toEqual(["+1:café"]);
  });
});

describe("parseUnifiedDiff on tricky input", () => {
  const files = parseUnifiedDiff(fixture("tricky.diff"));

  it("reads a removed line that starts with `--` as a removal, not a file header", () => {
    expect(numbered(byPath(files, "q.sql"))).toEqual([
      "-(1):-- sql comment",
      "-(2):SELECT 1;",
      "+1:SELECT 2;",
      " 2:++ weird",
    ]);
  });

  it("reads renames and mode changes of names with spaces, and quoted names with escapes", () => {
    expect(byPath(files, "docs/renamed space.md")).toMatchObject({
      oldPath: "docs/with space.md",
      status: "renamed",
    });
    expect(byPath(files, "my file.sh")).toMatchObject({ newMode: "100755", status: "modified" });
    expect(byPath(files, 'weird"quote.txt')).toMatchObject({ status: "added", additions: 1 });
  });

  it("reads copies as added files that name their source", () => {
    const [copy] = parseUnifiedDiff(
      [
        "diff --git a/a.ts b/b.ts",
        "similarity index 90%",
        "copy from a.ts",
        "copy to b.ts",
        "index 1111111..2222222 100644",
        "--- a/a.ts",
        "+++ b/b.ts",
        "@@ -1 +1 @@",
        "-x",
        "+y",
        "",
      ].join("\n"),
    );
    expect(copy).toMatchObject({
      path: "b.ts",
      oldPath: "a.ts",
      status: "added",
      similarity: 90,
      blobSha: "2222222",
    });
  });

  it("reads an empty new file, which has no ---/+++ lines", () => {
    const [empty] = parseUnifiedDiff(
      "diff --git a/empty b/empty\nnew file mode 100644\nindex 0000000..e69de29\n",
    );
    expect(empty).toMatchObject({ path: "empty", status: "added", hunks: [], blobSha: "e69de29" });
  });

  it("reads plain `diff -u` output without `diff --git` lines, and CRLF line ends", () => {
    const text = [
      "--- a/one.txt\t2024-01-01 00:00:00",
      "+++ b/one.txt\t2024-01-02 00:00:00",
      "@@ -1 +1,2 @@",
      " keep",
      "+more",
      "--- a/two.txt",
      "+++ b/two.txt",
      "@@ -5,2 +5 @@",
      "-gone",
      " stay",
    ].join("\r\n");
    const [one, two] = parseUnifiedDiff(text);
    expect(one).toMatchObject({ path: "one.txt", status: "modified", additions: 1 });
    expect(numbered(one!)).toEqual([" 1:keep", "+2:more"]);
    expect(numbered(two!)).toEqual(["-(5):gone", " 5:stay"]);
  });

  it("never throws on garbage, and returns what it can", () => {
    const mixed = fixture("mixed.diff");
    const lines = mixed.split("\n");
    for (let cut = 0; cut <= lines.length; cut++) {
      expect(() => parseUnifiedDiff(lines.slice(0, cut).join("\n"))).not.toThrow();
    }
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pieces = [
      "diff --git ",
      "@@ -",
      "+",
      "-",
      " ",
      "\\",
      '"a/',
      "\n",
      "index ",
      "..",
      ",",
      "1",
      "x",
      "rename from ",
      "--- ",
      "+++ ",
    ];
    for (let i = 0; i < 2000; i++) {
      const text = Array.from({ length: 40 }, () => pieces[Math.floor(random() * pieces.length)]).join("");
      expect(() => parseUnifiedDiff(text)).not.toThrow();
    }
    expect(parseUnifiedDiff("")).toEqual([]);
    expect(parseUnifiedDiff("not a diff at all\n@@ nonsense @@\n")).toEqual([]);
    // A hunk that announces more lines than it has keeps what is there.
    const [short] = parseUnifiedDiff("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,5 +1,5 @@\n a\n+b\n");
    expect(numbered(short!)).toEqual([" 1:a", "+2:b"]);
  });
});
