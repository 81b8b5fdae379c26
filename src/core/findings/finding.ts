import { SEVERITIES, type Severity } from "../workflow/workflow.schema.js";

/** One problem an agent step found. `line` is on the new side of the diff; null when it is about the file. */
export interface Finding {
  readonly file: string;
  readonly line: number | null;
  readonly severity: Severity;
  readonly title: string;
  readonly body: string;
  readonly suggestion?: string;
  /** Which check produced it, e.g. `secret-scan`, `heuristic`, `model`. */
  readonly source?: string;
}

/** 0 for blocker … 3 for low: lower is worse. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** Does any finding reach `failOn` (`never` never fails)? */
export function failsVerdict(findings: readonly Finding[], failOn: Severity | "never"): boolean {
  if (failOn === "never") return false;
  const limit = severityRank(failOn);
  return findings.some((f) => severityRank(f.severity) <= limit);
}

/** Worst first, then by file and line: the order findings are shown in. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      severityRank(a.severity) - severityRank(b.severity) ||
      a.file.localeCompare(b.file) ||
      (a.line ?? 0) - (b.line ?? 0),
  );
}
