import type { FileDiff } from "../../core/diff/diff.js";
import { extensionOf, isCliFile, isTestFile } from "../../core/diff/file-kinds.js";
import type { Finding } from "../../core/findings/finding.js";
import { addedLines, isCommentLine } from "./added-lines.js";

interface DebugPattern {
  readonly extensions: readonly string[];
  readonly pattern: RegExp;
  /** Names the leftover in the finding's title. */
  readonly what: string;
  /** Printing is output, not debugging, in command-line entry points and scripts. */
  readonly printing?: boolean;
}

const JS = ["js", "jsx", "mjs", "cjs", "ts", "tsx", "mts", "cts", "vue", "svelte", "astro"];

/** Debugging statements per language: breakpoints always; print-style output outside CLIs and scripts. */
const PATTERNS: readonly DebugPattern[] = [
  {
    extensions: JS,
    pattern: /\bconsole\.(log|debug|trace|dir|table)\s*\(/,
    what: "console.log",
    printing: true,
  },
  { extensions: JS, pattern: /(^|[;{}]\s*)debugger\s*;?\s*($|[;}])/, what: "debugger statement" },
  {
    extensions: ["py"],
    pattern: /\b(pdb|ipdb|pudb)\.set_trace\(|\bbreakpoint\(\)|^\s*import\s+i?pdb\b/,
    what: "pdb breakpoint",
  },
  { extensions: ["py"], pattern: /^\s*print\(/, what: "print()", printing: true },
  {
    extensions: ["rb", "rake", "erb"],
    pattern: /\bbinding\.(pry|irb)\b|^\s*(byebug|debugger)\s*$/,
    what: "binding.pry",
  },
  { extensions: ["rs"], pattern: /\bdbg!\(/, what: "dbg!" },
  {
    extensions: ["go"],
    pattern: /\bfmt\.Print(ln|f)?\(|\bspew\.Dump\(/,
    what: "fmt.Println",
    printing: true,
  },
  { extensions: ["go"], pattern: /\bruntime\.Breakpoint\(\)/, what: "runtime.Breakpoint" },
  {
    extensions: ["java", "kt", "scala", "groovy"],
    pattern: /\bSystem\.(out|err)\.print(ln|f)?\(|\.printStackTrace\(\)/,
    what: "System.out.println",
    printing: true,
  },
  { extensions: ["php"], pattern: /\b(var_dump|print_r|dd|dump)\s*\(/, what: "var_dump" },
  { extensions: ["cs"], pattern: /\bDebugger\.(Break|Launch)\(\)/, what: "Debugger.Break" },
  { extensions: ["swift"], pattern: /^\s*(debugPrint|dump)\(/, what: "debugPrint" },
  { extensions: ["ex", "exs"], pattern: /\bIO\.inspect\b|\bIEx\.pry\b|\bdbg\(/, what: "IO.inspect" },
  { extensions: ["dart"], pattern: /^\s*(print|debugPrint)\(/, what: "print()", printing: true },
];

/**
 * Debugging statements on added lines, e.g. `console.log(` in `src/`, `pdb.set_trace()`, `dbg!(`,
 * `binding.pry`. Test files are ignored; print-style output also in CLI entry points and scripts. `medium`.
 */
export function findDebugLeftovers(file: FileDiff): Finding[] {
  if (isTestFile(file.path)) return [];
  const ext = extensionOf(file.path);
  const cli = isCliFile(file.path);
  const patterns = PATTERNS.filter((p) => p.extensions.includes(ext) && !(p.printing && cli));
  if (patterns.length === 0) return [];
  const findings: Finding[] = [];
  for (const { text, line } of addedLines(file)) {
    if (isCommentLine(text)) continue;
    const hit = patterns.find((p) => p.pattern.test(text));
    if (!hit) continue;
    findings.push({
      file: file.path,
      line,
      severity: "medium",
      title: `Debug leftover: ${hit.what}`,
      body: `This added line looks like debugging left in (\`${text.trim().slice(0, 80)}\`). Remove it, or use the project's logger if the output is meant to stay.`,
      source: "heuristic",
    });
  }
  return findings;
}
