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
  /** Set by the step that made it (`findingFingerprintOf`); absent on findings stored before fingerprints v2. */
  readonly fingerprint?: string;
  /** Hash of the flagged code (`codeHash`): a push that removes that code addresses the finding. */
  readonly codeHash?: string;
  /** The area of its file (`taskTypeOf`): `ts`, `py`, `tests`, `docs`, `infra`, `config` … */
  readonly taskType?: string;
  /** Held back by `settings.min_precision`: listed collapsed in the review body, never failing the step. */
  readonly heldBack?: boolean;
  /** Judged `wrong` or `dismissed` on this PR by a writer who may clear it: no longer counts toward `fail_on`. */
  readonly cleared?: "wrong" | "dismissed";
  /** How sure the model was that this is a real problem, 0–1; low ones are verified when the persona asks. */
  readonly confidence?: number;
  /** Set on findings that went through verification and were kept: confirmed, or an unusable answer or call. */
  readonly verified?: "confirmed" | "unverified";
}

/** Whether a finding counts toward `fail_on` (and escalation): not held back, not cleared by a judgement. */
export function counts(f: Finding): boolean {
  return !f.heldBack && f.cleared === undefined;
}

/** 0 for blocker … 3 for low: lower is worse. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** Does any finding that counts (see `counts`) reach `failOn` (`never` never fails)? */
export function failsVerdict(findings: readonly Finding[], failOn: Severity | "never"): boolean {
  if (failOn === "never") return false;
  const limit = severityRank(failOn);
  return findings.some((f) => counts(f) && severityRank(f.severity) <= limit);
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
