/**
 * A task type is the area of the code a finding is about, from its file: a language (`ts`, `py`, `go`, …) or one
 * of `tests`, `infra`, `docs`, `config`, `other`. Profiles and routing are kept per task type (the spec's
 * "Learning profiles").
 */
export type TaskType = string;

/** Test folders and the test-file names of the usual languages; `*Test.java` keeps its capital `T`. */
const TEST_DIR = /(^|\/)(tests?|__tests__|spec)\//i;
const TEST_NAME = /\.(test|spec)\.[^/.]+$|_test\.(go|py)$|(^|\/)test_[^/]*\.py$|Test\.java$|_spec\.rb$/;

/**
 * CI, Docker and infrastructure as code. Helm's `charts/` and `k8s/` count only for their YAML and templates, so
 * a UI's `components/charts/Bar.tsx` stays code.
 */
const INFRA: readonly RegExp[] = [
  /(^|\/)(\.github\/workflows|\.circleci)\//i,
  /(^|\/)(charts|k8s|kubernetes)\/(.*\/)?[^/]+\.(ya?ml|tpl)$/i,
  /(^|\/)(\.gitlab-ci\.ya?ml|jenkinsfile[^/]*|chart\.ya?ml|\.helmignore)$/i,
  /(^|\/)(dockerfile[^/]*|[^/]+\.dockerfile|\.dockerignore|(docker-compose[^/]*|compose([.-][^/]*)?)\.ya?ml)$/i,
  /\.(tf|tfvars|hcl)$/i,
];

const DOCS: readonly RegExp[] = [
  /(^|\/)docs?\//i,
  /\.(md|mdx|rst|adoc)$/i,
  /(^|\/)(license|licence|copying)([.-][^/]*)?$/i,
];

/** Data and settings files, and dotfiles (`.eslintrc`, `.env.local`, `.prettierrc.cjs`). */
const CONFIG: readonly RegExp[] = [
  /\.(json|jsonc|json5|ya?ml|toml|ini|cfg|conf|properties)$/i,
  /(^|\/)\.[^/]+$/,
];

const LANGUAGES: Readonly<Record<string, TaskType>> = {
  ts: "ts",
  tsx: "ts",
  mts: "ts",
  cts: "ts",
  js: "js",
  jsx: "js",
  mjs: "js",
  cjs: "js",
  py: "py",
  go: "go",
  java: "java",
  rb: "rb",
  rs: "rs",
  kt: "kt",
  kts: "kt",
  swift: "swift",
  c: "c",
  h: "c",
  cc: "cpp",
  cpp: "cpp",
  cxx: "cpp",
  hh: "cpp",
  hpp: "cpp",
  hxx: "cpp",
  cs: "cs",
  php: "php",
  scala: "scala",
  sh: "sh",
  bash: "sh",
  zsh: "sh",
  sql: "sql",
};

/** `path` with its extension lower-cased, so every rule below sees `ts` for `.TS` but `Test.java` keeps its `T`. */
function lowerExtension(path: string): { path: string; ext: string } {
  const slash = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".");
  if (dot <= slash + 1) return { path, ext: "" }; // no extension, or a dotfile such as `.eslintrc`
  const ext = path.slice(dot + 1).toLowerCase();
  return { path: path.slice(0, dot + 1) + ext, ext };
}

/**
 * The task type of one file: `tests` > `infra` > `docs` > `config` > the language by extension > `other`.
 *
 * @example taskTypeOf("src/a.test.ts") // → "tests"; taskTypeOf("infra/main.tf") // → "infra"; taskTypeOf("a.PY") // → "py"
 */
export function taskTypeOf(path: string): TaskType {
  const { path: p, ext } = lowerExtension(path);
  if (TEST_DIR.test(p) || TEST_NAME.test(p)) return "tests";
  if (INFRA.some((r) => r.test(p))) return "infra";
  if (DOCS.some((r) => r.test(p))) return "docs";
  if (CONFIG.some((r) => r.test(p))) return "config";
  return LANGUAGES[ext] ?? "other";
}

/**
 * The area with the most changed lines (additions + deletions); ties → the area first reached in `files` order;
 * null for no files.
 *
 * @example dominantTaskType([{ path: "a.md", additions: 5, deletions: 0 }, { path: "b.ts", additions: 3, deletions: 3 }]) // → "ts"
 */
export function dominantTaskType(
  files: readonly { path: string; additions: number; deletions: number }[],
): TaskType | null {
  const lines = new Map<TaskType, number>();
  for (const f of files) {
    const t = taskTypeOf(f.path);
    lines.set(t, (lines.get(t) ?? 0) + f.additions + f.deletions);
  }
  let best: TaskType | null = null;
  let most = -1;
  // A Map iterates in insertion order: the first area reached wins a tie because only `>` replaces it.
  for (const [t, n] of lines) {
    if (n > most) {
      best = t;
      most = n;
    }
  }
  return best;
}
