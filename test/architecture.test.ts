import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The layer rule of ARCHITECTURE.md, checked on the import graph of src/ (every static `import … from`,
 * `export … from` and `import("…")`, relative specifiers resolved as tsc resolves them). A plain test rather
 * than dependency-cruiser or eslint-plugin-boundaries: no new dependency and no second parser of TypeScript to
 * keep in step with ours, and the rules stay a short table next to the reasons for their exceptions.
 */

const SRC = join(import.meta.dirname, "..", "src");

/**
 * Which layers each layer may import: the top folders of src/, plus `config` (src/env.ts, builtin-templates.ts,
 * package-root.ts: what every layer above core may read) and `entry` (src/index.ts, server.ts).
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  core: ["core"],
  engine: ["core", "engine"],
  llm: ["core", "engine", "llm", "config"],
  db: ["core", "engine", "db"],
  github: ["core", "engine", "github"],
  ops: ["core", "engine", "db", "ops"],
  app: ["core", "engine", "llm", "db", "github", "ops", "app", "config"],
  dashboard: ["core", "engine", "db", "ops", "app", "dashboard", "config"],
  cli: ["core", "engine", "llm", "db", "cli", "config"],
  config: ["core", "db", "config"],
  entry: ["core", "engine", "llm", "db", "github", "ops", "app", "dashboard", "cli", "config", "entry"],
};

/** Imports allowed against the table, each with its reason. */
const EXCEPTIONS: Record<string, string> = {
  // The app's composition root mounts the dashboard on Probot's server and links its pages from check runs.
  "app/create-app.ts -> dashboard/handler.ts": "composition root",
  "app/create-app.ts -> dashboard/github-links.ts": "composition root",
};

/** Packages core may use: pure parsing and validation, no I/O. */
// re2js: the secret scan's linear-time regular expressions (issue 16).
// @actions/expressions: GitHub's own parser and evaluator of `if:` expressions, pure JS (issue 15); `/ast` is its
// syntax tree, walked to check names.
const CORE_PACKAGES = new Set([
  "yaml",
  "zod",
  "picomatch",
  "re2js",
  "@actions/expressions",
  "@actions/expressions/ast",
]);

const SPECIFIER = /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

const ENTRY_FILES = new Set(["index.ts", "server.ts"]);

/** `core/run/plan.ts` → `core`; `env.ts` → `config`; `server.ts` → `entry`. */
function layerOf(file: string): string {
  const parts = file.split("/");
  if (parts.length > 1) return parts[0] as string;
  return ENTRY_FILES.has(file) ? "entry" : "config";
}

interface Edge {
  readonly from: string;
  readonly to: string;
}

function graph(): { files: string[]; edges: Edge[]; packages: Map<string, string[]> } {
  const files = sourceFiles(SRC).map((f) => relative(SRC, f));
  const edges: Edge[] = [];
  const packages = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(SRC, file), "utf8");
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = (m[1] ?? m[2]) as string;
      if (spec.startsWith(".")) {
        const to = normalize(join(dirname(file), spec)).replace(/\.js$/, ".ts");
        edges.push({ from: file, to });
      } else {
        packages.set(file, [...(packages.get(file) ?? []), spec]);
      }
    }
  }
  return { files, edges, packages };
}

/** Every cycle's files (strongly connected components of more than one file), Tarjan's algorithm. */
function cycles(files: readonly string[], edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const e of edges) next.get(e.from)?.push(e.to);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!next.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      for (let w = stack.pop(); w !== undefined; w = stack.pop()) {
        onStack.delete(w);
        component.push(w);
        if (w === v) break;
      }
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return found;
}

describe("the architecture (ARCHITECTURE.md)", () => {
  const { files, edges, packages } = graph();

  it("reads the whole tree", () => {
    expect(files.length).toBeGreaterThan(150);
    expect(edges.length).toBeGreaterThan(500);
  });

  it("every import points down the layers, or is a named exception", () => {
    const wrong = edges
      .filter((e) => !(MAY_IMPORT[layerOf(e.from)] ?? []).includes(layerOf(e.to)))
      .map((e) => `${e.from} -> ${e.to}`)
      .filter((e) => !(e in EXCEPTIONS));
    expect(wrong).toEqual([]);
  });

  it("core does no I/O: no node: module and no package but yaml, zod, picomatch and re2js", () => {
    const impure = [...packages]
      .filter(([file]) => layerOf(file) === "core")
      .flatMap(([file, specs]) => specs.filter((s) => !CORE_PACKAGES.has(s)).map((s) => `${file}: ${s}`));
    expect(impure).toEqual([]);
  });

  it("has no import cycles", () => {
    expect(cycles(files, edges)).toEqual([]);
  });

  it("the rule can fail: a made-up upward import and cycle are caught", () => {
    const fake: Edge[] = [
      { from: "core/run/plan.ts", to: "app/create-app.ts" },
      { from: "app/create-app.ts", to: "core/run/plan.ts" },
    ];
    expect(fake.filter((e) => !(MAY_IMPORT[layerOf(e.from)] ?? []).includes(layerOf(e.to)))).toHaveLength(1);
    expect(cycles(["core/run/plan.ts", "app/create-app.ts"], fake)).toEqual([
      ["app/create-app.ts", "core/run/plan.ts"],
    ]);
  });
});
