/** File-name conventions the heuristic checks share: languages by extension, test files, CLI entry points. */

/** The extension without the dot, lower-cased: `src/a.test.TS` → `ts`. */
export function extensionOf(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
}

/** Extensions of source code (as opposed to docs, data and config) in the languages the checks know. */
export const SOURCE_EXTENSIONS: ReadonlySet<string> = new Set(
  (
    "ts tsx mts cts js jsx mjs cjs vue svelte py go rs rb java kt kts scala cs fs php swift m mm c cc cpp cxx h hpp " +
    "ex exs erl dart lua pl r jl clj groovy"
  ).split(" "),
);

/** Extensions of prose, where `TODO` is a word rather than a marker. */
export const DOC_EXTENSIONS: ReadonlySet<string> = new Set(["md", "mdx", "markdown", "rst", "txt", "adoc"]);

const TEST_DIR = /(^|\/)(__tests__|__mocks__|tests?|specs?|e2e|testing|cypress|playwright)\//i;
const TEST_NAME =
  /\.(test|spec|e2e|cy)\.[^/]+$|(^|\/)test_[^/]+\.py$|_(test|spec)\.[a-z]+$|(Tests?|Spec|IT)\.(java|kt|scala|cs|swift|groovy|fs)$/;

/** Is `path` a test file by the usual conventions of its language? */
export function isTestFile(path: string): boolean {
  return TEST_DIR.test(path) || TEST_NAME.test(path);
}

/** Folders and files whose printing is their job: command-line entry points and scripts. */
const CLI_PATH =
  /(^|\/)(cmd|bin|cli|scripts?|tools|examples?)\/|(^|\/)(main\.go|__main__\.py|manage\.py|setup\.py|cli\.[a-z]+)$/i;

/** Is `path` a command-line entry point or script, where `print`/`console.log` is output, not debugging? */
export function isCliFile(path: string): boolean {
  return CLI_PATH.test(path);
}

/** Lower-case, without `-`, `_` and `.`, so `user-service` and `user_service` compare equal. */
function normalize(stem: string): string {
  return stem.toLowerCase().replace(/[-_.]/g, "");
}

/**
 * The name a test file tests: `foo.test.ts`, `foo.spec.js`, `test_foo.py`, `foo_test.go`, `FooTest.java`,
 * `foo_spec.rb` and `__tests__/foo.ts` all give `foo`.
 */
export function testedStem(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const stem = name
    .replace(/\.(test|spec|e2e|cy)(\.[^.]+)+$/, "")
    .replace(/^test_/, "")
    .replace(/_(test|spec)\.[a-z]+$/, "")
    .replace(/(Tests?|Spec|IT)\.[a-z]+$/, "")
    .replace(/\.[^.]+$/, "");
  return normalize(stem);
}

/** The names a test of `path` would carry: its own stem, and its folder's for an `index` or `__init__` file. */
export function sourceStems(path: string): string[] {
  const parts = path.split("/");
  const stem = normalize((parts.at(-1) ?? "").replace(/\.[^.]+$/, ""));
  const folder = parts.at(-2);
  return ["index", "init", "mod", "main"].includes(stem) && folder ? [stem, normalize(folder)] : [stem];
}
