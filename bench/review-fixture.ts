import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { commitFiles, git } from "../scripts/demo-repo.js";

/** mulberry32: a tiny seeded PRNG, so the fixture is the same on every machine and every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NOUNS = [
  "order",
  "invoice",
  "customer",
  "payment",
  "refund",
  "shipment",
  "coupon",
  "ledger",
  "account",
  "tax",
];
const VERBS = [
  "load",
  "validate",
  "apply",
  "compute",
  "persist",
  "notify",
  "reconcile",
  "cancel",
  "export",
  "merge",
];

type Lang = "ts" | "py" | "go";

/** One function of `lang`, 8–14 lines of plausible business code; `variant` changes its body. */
function fn(lang: Lang, name: string, noun: string, rand: () => number, variant: number): string[] {
  const limit = 10 + Math.floor(rand() * 90) + variant;
  const field = `${noun}Total`;
  if (lang === "ts") {
    return [
      `/** ${name}: checks the ${noun} against its limits before it is stored. */`,
      `export async function ${name}(db: Db, id: string, opts: Options = {}): Promise<Result<${cap(noun)}>> {`,
      `  const ${noun} = await db.${noun}s.findById(id);`,
      `  if (!${noun}) return { ok: false, error: \`${noun} \${id} not found\` };`,
      `  const ${field} = ${noun}.lines.reduce((sum, line) => sum + line.price * line.qty, 0);`,
      `  if (${field} > ${limit * 100} && !opts.allowLarge) {`,
      `    return { ok: false, error: \`${noun} total \${${field}} exceeds ${limit * 100}\` };`,
      "  }",
      variant > 0
        ? `  await audit(db, "${name}", id, { total: ${field}, variant: ${variant} });`
        : `  log.debug("${name}", id);`,
      `  const saved = await db.${noun}s.update(id, { ...${noun}, total: ${field}, checkedAt: Date.now() });`,
      "  return { ok: true, value: saved };",
      "}",
      "",
    ];
  }
  if (lang === "py") {
    return [
      `def ${snake(name)}(session: Session, ${noun}_id: int, *, strict: bool = True) -> ${cap(noun)}:`,
      `    """Load the ${noun}, check its limits and store the result."""`,
      `    ${noun} = session.get(${cap(noun)}, ${noun}_id)`,
      `    if ${noun} is None:`,
      `        raise NotFound(f"${noun} {${noun}_id} not found")`,
      `    total = sum(line.price * line.qty for line in ${noun}.lines)`,
      `    if strict and total > ${limit * 100}:`,
      `        raise LimitExceeded(f"${noun} total {total} exceeds ${limit * 100}")`,
      variant > 0
        ? `    audit(session, "${snake(name)}", ${noun}_id, total=total, variant=${variant})`
        : `    logger.debug("${snake(name)} %s", ${noun}_id)`,
      `    ${noun}.total = total`,
      `    session.commit()`,
      `    return ${noun}`,
      "",
    ];
  }
  return [
    `// ${cap(name)} checks the ${noun} against its limits before it is stored.`,
    `func ${cap(name)}(ctx context.Context, db *sql.DB, id string) (*${cap(noun)}, error) {`,
    `\t${noun}, err := load${cap(noun)}(ctx, db, id)`,
    "\tif err != nil {",
    `\t\treturn nil, fmt.Errorf("${name} %s: %w", id, err)`,
    "\t}",
    "\tvar total int64",
    `\tfor _, line := range ${noun}.Lines {`,
    "\t\ttotal += line.Price * int64(line.Qty)",
    "\t}",
    `\tif total > ${limit * 100} {`,
    `\t\treturn nil, fmt.Errorf("${noun} total %d exceeds ${limit * 100}", total)`,
    "\t}",
    variant > 0
      ? `\tmetrics.Observe("${name}", float64(total), ${variant})`
      : `\tlog.Printf("${name} %s", id)`,
    `\treturn ${noun}, save${cap(noun)}(ctx, db, ${noun})`,
    "}",
    "",
  ];
}

const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const HEADER: Record<Lang, string[]> = {
  ts: [
    'import type { Db, Options, Result } from "../db.js";',
    'import { audit, log } from "../audit.js";',
    "",
  ],
  py: [
    "from sqlalchemy.orm import Session",
    "",
    "from .errors import LimitExceeded, NotFound",
    "from .audit import audit, logger",
    "",
    "",
  ],
  go: ["package billing", "", "import (", '\t"context"', '\t"database/sql"', '\t"fmt"', '\t"log"', ")", ""],
};

/** A source file of `count` functions; functions at `changed` indexes take `variant`. */
function source(
  lang: Lang,
  seed: number,
  count: number,
  changed: ReadonlySet<number> = new Set(),
  variant = 0,
): string {
  const rand = prng(seed);
  const lines = [...HEADER[lang]];
  for (let i = 0; i < count; i++) {
    const noun = NOUNS[(seed + i) % NOUNS.length]!;
    const name = `${VERBS[(seed * 7 + i) % VERBS.length]}${cap(noun)}${i}`;
    lines.push(...fn(lang, name, noun, rand, changed.has(i) ? variant : 0));
  }
  return `${lines.join("\n")}\n`;
}

function testFile(seed: number, cases: number): string {
  const lines = [
    'import { describe, expect, it } from "vitest";',
    'import { fakeDb } from "./fake-db.js";',
    "",
  ];
  lines.push(`describe("module ${seed}", () => {`);
  for (let i = 0; i < cases; i++) {
    const noun = NOUNS[(seed + i) % NOUNS.length]!;
    lines.push(
      `  it("rejects a ${noun} over its limit (${i})", async () => {`,
      `    const db = fakeDb({ ${noun}s: [{ id: "${i}", lines: [{ price: ${1000 + i}, qty: 99 }] }] });`,
      `    const result = await validate${cap(noun)}${i}(db, "${i}");`,
      "    expect(result.ok).toBe(false);",
      "  });",
      "",
    );
  }
  lines.push("});");
  return `${lines.join("\n")}\n`;
}

/** The files of the fixture repository before (`base`) and after (`head`) the pull request. */
export function fixtureFiles(): { base: Record<string, string>; head: Record<string, string> } {
  const base: Record<string, string> = {};
  const head: Record<string, string> = {};
  const modified = (
    path: string,
    lang: Lang,
    seed: number,
    count: number,
    changed: number[],
    grow: number,
  ) => {
    base[path] = source(lang, seed, count);
    head[path] = source(lang, seed, count + grow, new Set(changed), 1);
  };
  for (let i = 0; i < 6; i++) head[`src/orders/feature-${i}.ts`] = source("ts", 100 + i, 8);
  for (let i = 0; i < 6; i++) modified(`src/billing/module-${i}.ts`, "ts", 200 + i, 12, [1, 4, 5, 8, 9], 3);
  for (let i = 0; i < 3; i++) head[`services/billing/job_${i}.py`] = source("py", 300 + i, 8);
  for (let i = 0; i < 3; i++) modified(`services/billing/model_${i}.py`, "py", 400 + i, 10, [2, 6], 2);
  for (let i = 0; i < 5; i++) modified(`internal/billing/ledger_${i}.go`, "go", 500 + i, 8, [0, 4], 1);
  for (let i = 0; i < 4; i++) head[`test/billing/module-${i}.test.ts`] = testFile(600 + i, 14);
  base["README.md"] = "# Billing\n\nHandles orders and invoices.\n\n## Running\n\n`npm start`\n";
  head["README.md"] =
    `${base["README.md"]}\n## Limits\n\nOrders over the configured limit are rejected; see src/billing.\n`;
  base["config/billing.yaml"] = "limits:\n  order: 10000\n  invoice: 50000\nretries: 3\n";
  head["config/billing.yaml"] = "limits:\n  order: 12000\n  invoice: 50000\n  refund: 2000\nretries: 5\n";
  head["package-lock.json"] =
    `${JSON.stringify({ name: "billing", lockfileVersion: 3, packages: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`node_modules/dep-${i}`, { version: `1.${i}.0` }])) }, null, 2)}\n`;
  for (const [path, text] of Object.entries(base)) head[path] ??= text;
  return { base, head };
}

/** The PR as `git diff` prints it, after a push that changed one more file, and the repository's folder. */
export interface FixturePr {
  readonly diff: string;
  readonly diffAfterPush: string;
  readonly pushedFile: string;
}

/**
 * Builds the fixture pull request in a throwaway git repository: ~30 files, ~2,000 changed lines of TypeScript,
 * Python and Go with tests, docs, config and a lockfile. Real `git diff` output, so every file has its blob SHA.
 */
export function buildFixturePr(): FixturePr {
  const repo = mkdtempSync(join(tmpdir(), "phasegate-review-bench-"));
  try {
    git(repo, "init", "-q", "-b", "main");
    const { base, head } = fixtureFiles();
    commitFiles(repo, base, "base");
    commitFiles(repo, head, "the pull request");
    const baseSha = git(repo, "rev-list", "--max-parents=0", "HEAD").trim();
    const diff = git(repo, "diff", "--no-color", "--no-renames", baseSha, "HEAD");
    const pushedFile = "src/billing/module-3.ts";
    writeFileSync(join(repo, pushedFile), source("ts", 203, 15, new Set([1, 4, 5, 8, 9, 11]), 2));
    git(repo, "commit", "-q", "-am", "push: one more change");
    const diffAfterPush = git(repo, "diff", "--no-color", "--no-renames", baseSha, "HEAD");
    return { diff, diffAfterPush, pushedFile };
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}
