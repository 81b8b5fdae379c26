import { performance } from "node:perf_hooks";
import type { DiffLine, FileDiff } from "../src/core/diff/diff.js";
import { scanSecrets } from "../src/core/secrets/secret-scan.js";
import { quantile } from "./stats.js";

/** Seeded generator (mulberry32), so every run scans the same lines. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASE62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const WORDS = ["user", "order", "token", "config", "request", "client", "password", "key", "secret", "cache"];

/**
 * Lines the way a PR adds them: mostly code, some configuration, names that hold `token`, `key` or `password`
 * with harmless values (which the keyword prefilter lets through), URLs, a long minified line now and then and
 * one real-shaped credential in a thousand.
 */
function benchLines(count: number): string[] {
  const next = seeded(16);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const rand = (n: number) => Array.from({ length: n }, () => pick([...BASE62])).join("");
  const makers: (() => string)[] = [
    () => `import { ${pick(WORDS)}Service } from "../${pick(WORDS)}/${pick(WORDS)}-service.js";`,
    () => `  const ${pick(WORDS)}Count = items.filter((x) => x.${pick(WORDS)} !== undefined).length;`,
    () => `    if (!${pick(WORDS)}) throw new Error("missing ${pick(WORDS)} for request " + id);`,
    () => `  ${pick(WORDS)}: z.string().min(1).describe("the ${pick(WORDS)} of the ${pick(WORDS)}"),`,
    () => `${pick(WORDS).toUpperCase()}_${pick(WORDS).toUpperCase()}=\${${pick(WORDS).toUpperCase()}_VALUE}`,
    () => `  ${pick(WORDS)}_token: "{{ secrets.${pick(WORDS).toUpperCase()} }}"`,
    () => `const apiKey = process.env.${pick(WORDS).toUpperCase()}_API_KEY ?? "";`,
    () => `  await fetch("https://api.example.com/v1/${pick(WORDS)}s/" + id, { headers });`,
    () => `    "${pick(WORDS)}Id": "${rand(8)}-${pick(WORDS)}",`,
    () => `  // The ${pick(WORDS)} is refreshed when the ${pick(WORDS)} key expires.`,
    () => "  }",
    () => "",
    () => `  return { ...state, ${pick(WORDS)}: next${pick(WORDS)} };`,
  ];
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 1000 === 999) lines.push(`GITHUB_TOKEN=ghp_${rand(36)}`);
    else if (i % 500 === 250) lines.push(Array.from({ length: 60 }, () => pick(makers)()).join(""));
    else lines.push(pick(makers)());
  }
  return lines;
}

function asFiles(lines: readonly string[], perFile: number): FileDiff[] {
  const files: FileDiff[] = [];
  for (let at = 0; at < lines.length; at += perFile) {
    const chunk = lines.slice(at, at + perFile);
    const diffLines = chunk.map(
      (text, i): DiffLine => ({ type: "add", text, newLine: i + 1, oldLine: null }),
    );
    files.push({
      path: `src/file-${at / perFile}.ts`,
      oldPath: null,
      status: "added",
      binary: false,
      hunks: [
        { oldStart: 0, oldLines: 0, newStart: 1, newLines: chunk.length, header: "", lines: diffLines },
      ],
      additions: chunk.length,
      deletions: 0,
      blobSha: null,
    });
  }
  return files;
}

/** Lines scanned per second over `lines` added lines (100 files), median of `rounds` runs after a warm-up. */
export function benchSecretScan(
  lines = 100_000,
  rounds = 5,
): { lines: number; linesPerSecond: number; findings: number } {
  const files = asFiles(benchLines(lines), 1000);
  let findings = scanSecrets(files).length;
  const rates: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    findings = scanSecrets(files).length;
    rates.push(lines / ((performance.now() - t0) / 1000));
  }
  return { lines, linesPerSecond: quantile(rates, 0.5), findings };
}

export function secretScanLine(r: { lines: number; linesPerSecond: number; findings: number }): string {
  const perSecond = Math.round(r.linesPerSecond).toLocaleString("en-US");
  return `${r.lines.toLocaleString("en-US")} added lines: ${perSecond} lines/s (median of 5), ${r.findings} findings`;
}
