import type { FileDiff } from "../../core/diff/diff.js";
import {
  extensionOf,
  isTestFile,
  SOURCE_EXTENSIONS,
  sourceStems,
  testedStem,
} from "../../core/diff/file-kinds.js";
import { skipReason } from "../../core/diff/skip-files.js";
import type { Finding } from "../../core/findings/finding.js";
import { addedLines } from "./added-lines.js";

/** Source that conventionally has no unit test of its own: type declarations, configs, docs, fixtures. */
const NOT_UNIT_TESTED =
  /\.d\.[cm]?ts$|(^|\/)[^/]*\.config\.[a-z]+$|(^|\/)(docs?|examples?|scripts?|bench(marks?)?|fixtures?|migrations?|\.github)\//i;
/** Rust keeps unit tests in the file itself. */
const INLINE_TESTS = /#\[(cfg\()?test\)?\]/;

/**
 * Changed source files with no changed test file that matches them by the usual naming conventions
 * (`foo.ts` ↔ `foo.test.ts` / `foo.spec.ts`, `foo.py` ↔ `test_foo.py`, `foo.go` ↔ `foo_test.go`, `Foo.java` ↔
 * `FooTest.java` …), wherever the test lives. Skippable files (`skipReason`) are never reported. One `medium`
 * finding per file, about the whole file (line null).
 */
export function findMissingTests(files: readonly FileDiff[]): Finding[] {
  const tested = new Set(files.filter((f) => isTestFile(f.path)).map((f) => testedStem(f.path)));
  return files
    .filter((f) => f.status !== "deleted" && f.additions > 0 && skipReason(f) === null)
    .filter(
      (f) =>
        SOURCE_EXTENSIONS.has(extensionOf(f.path)) && !isTestFile(f.path) && !NOT_UNIT_TESTED.test(f.path),
    )
    .filter((f) => !sourceStems(f.path).some((stem) => tested.has(stem)))
    .filter((f) => !addedLines(f).some((l) => INLINE_TESTS.test(l.text)))
    .map((f) => ({
      file: f.path,
      line: null,
      severity: "medium",
      title: "Changed without a test change",
      body: `${f.path} changed (+${f.additions} −${f.deletions}) but no matching test file (such as ${exampleTestName(f.path)}) changed in this pull request. Add or update a test that covers the change.`,
      source: "heuristic",
    }));
}

/** A conventional test file name for `path`, for the finding's text. */
function exampleTestName(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const ext = extensionOf(path);
  const stem = name.slice(0, name.length - ext.length - 1);
  switch (ext) {
    case "py":
      return `test_${stem}.py`;
    case "go":
      return `${stem}_test.go`;
    case "rb":
      return `${stem}_spec.rb`;
    case "java":
    case "kt":
    case "scala":
    case "cs":
    case "swift":
      return `${stem}Test.${ext}`;
    default:
      return `${stem}.test.${ext}`;
  }
}
