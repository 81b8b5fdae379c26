import type { RuleContext } from "./secret-rule.js";

const DOCUMENT_START = /^---/;
const SECRET_KIND = /^\s*-?\s*kind:\s*["']?Secret["']?\s*(?:#.*)?$/;
const SECTION = /^(\s*)(data|stringData):\s*(?:#.*)?$/;

function indentOf(line: string): number {
  let n = 0;
  while (line[n] === " " || line[n] === "\t") n++;
  return n;
}

/**
 * The lines of `lines` that are entries of a Kubernetes Secret's `data` or `stringData`, with which: the
 * manifest's `kind: Secret` may come before or after them, in the same YAML document.
 *
 * @example kubernetesSecretEntries(["kind: Secret", "data:", "  token: dG9rZW4="]) // → Map { 2 => "kubernetes-secret-data" }
 */
export function kubernetesSecretEntries(lines: readonly string[]): Map<number, RuleContext> {
  const entries = new Map<number, RuleContext>();
  let start = 0;
  for (let end = 0; end <= lines.length; end++) {
    if (end < lines.length && !(DOCUMENT_START.test(lines[end] ?? "") && end > start)) continue;
    const doc = lines.slice(start, end);
    if (doc.some((l) => SECRET_KIND.test(l))) markSections(doc, start, entries);
    start = end;
  }
  return entries;
}

function markSections(doc: readonly string[], offset: number, entries: Map<number, RuleContext>): void {
  let indent = -1;
  let context: RuleContext = "kubernetes-secret-data";
  for (const [i, line] of doc.entries()) {
    const header = SECTION.exec(line);
    if (header) {
      indent = header[1]?.length ?? 0;
      context = header[2] === "data" ? "kubernetes-secret-data" : "kubernetes-secret-string-data";
    } else if (indent >= 0 && line.trim() !== "" && !line.trim().startsWith("#")) {
      if (indentOf(line) <= indent) indent = -1;
      else entries.set(offset + i, context);
    }
  }
}
