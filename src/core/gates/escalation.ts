import { counts, type Finding, severityRank } from "../findings/finding.js";
import type { FindingState } from "../learning/profiles.js";
import type { RunState } from "../run/run-state.js";
import { SEVERITIES, type Severity } from "../workflow/workflow.schema.js";
import type { GateSpec } from "./gate-facts.js";

/** An approval step's `with.escalate`: the gate's own `count` and `from` stand where it gives none. */
export interface Escalate {
  /** The lowest severity of an open finding that escalates the gate. */
  readonly on: Severity;
  readonly count: number | null;
  readonly from: readonly string[] | "codeowners" | null;
}

/** What the PR's findings ledger says of one fingerprint, as far as escalation goes. */
export interface LedgerMark {
  readonly state: FindingState;
  /** Judged `wrong`/`dismissed` by a writer who is neither the PR's author nor its last pusher. */
  readonly clears: boolean;
}

/** Fingerprint → its ledger state on the run's PR. */
export type LedgerMarks = ReadonlyMap<string, LedgerMark>;

/**
 * The step's `with.escalate`, or null when it has none (or one the schema would have refused).
 *
 * @example escalateOf({ count: 1, escalate: { on: "high", count: 2 } }) // { on: "high", count: 2, from: null }
 */
export function escalateOf(w: Readonly<Record<string, unknown>>): Escalate | null {
  const e = w.escalate;
  if (typeof e !== "object" || e === null) return null;
  const { on, count, from } = e as Record<string, unknown>;
  if (!SEVERITIES.includes(on as Severity)) return null;
  return Object.freeze({
    on: on as Severity,
    count: typeof count === "number" && count >= 1 ? count : null,
    from: from === "codeowners" ? "codeowners" : Array.isArray(from) ? from.map(String) : null,
  });
}

/**
 * The findings of a run's steps (agent steps are the ones that have any), each fingerprint once, worst first as
 * the steps stored them.
 */
export function runFindings(run: Pick<RunState, "steps">): Finding[] {
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const s of run.steps.values()) {
    for (const f of s.output?.findings ?? []) {
      const key = f.fingerprint ?? `${s.id}\0${f.file}\0${f.line}\0${f.title}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(f);
    }
  }
  return out;
}

/**
 * Whether a finding still stands: never one held back; then the ledger decides when it has the fingerprint
 * (closed when `addressed`, or `wrong`/`dismissed` by a writer who may clear it), else the step's own mark.
 */
export function isOpenFinding(f: Finding, ledger: LedgerMarks): boolean {
  if (f.heldBack) return false;
  const mark = f.fingerprint === undefined ? undefined : ledger.get(f.fingerprint);
  if (!mark) return counts(f);
  if (mark.state === "addressed") return false;
  return !((mark.state === "wrong" || mark.state === "dismissed") && mark.clears);
}

/** The open findings at or above `on`. */
export function escalatingFindings(
  on: Severity,
  findings: readonly Finding[],
  ledger: LedgerMarks,
): Finding[] {
  const limit = severityRank(on);
  return findings.filter((f) => severityRank(f.severity) <= limit && isOpenFinding(f, ledger));
}

/** `@acme/security or @octocat`, `code owners`, or null for anyone with write access (said by leaving it out). */
function describeFrom(from: Escalate["from"]): string | null {
  if (from === "codeowners") return "code owners";
  if (!from || from.length === 0) return null;
  return from.map((f) => `@${f.replace(/^@/, "")}`).join(" or ");
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * Why a gate is escalated, for its summary: `escalated: 1 high finding open — needs 2 approvals from
 * @acme/security`; with several severities at or above `on`, all are counted and the worst named:
 * `escalated: 3 findings at or above high open (worst: blocker) — needs 2 approvals from @acme/security`.
 */
export function escalationReason(
  on: Severity,
  found: readonly Finding[],
  count: number,
  from: Escalate["from"],
): string {
  const severities = [...new Set(found.map((f) => f.severity))].sort(
    (a, b) => severityRank(a) - severityRank(b),
  );
  const [worst = on] = severities;
  const what =
    severities.length === 1
      ? `${plural(found.length, `${worst} finding`)} open`
      : `${found.length} findings at or above ${on} open (worst: ${worst})`;
  const who = describeFrom(from);
  return `escalated: ${what} — needs ${plural(count, "approval")}${who ? ` from ${who}` : ""}`;
}

/**
 * The gate an approval step asks for now (spec "Escalation to humans"): while the run has an open finding at or
 * above `escalate.on`, the escalated `count` and `from` (each defaulting to the gate's own) and the reason, in
 * `escalated`; otherwise the gate as it is. What is open: see `isOpenFinding`.
 *
 * @example escalatedGate(gate, { on: "high", count: 2, from: ["@acme/security"] }, findings, new Map())
 * // { …gate, count: 2, from: ["@acme/security"], escalated: "escalated: 1 high finding open — needs 2 approvals from @acme/security" }
 */
export function escalatedGate(
  gate: GateSpec,
  escalate: Escalate | null,
  findings: readonly Finding[],
  ledger: LedgerMarks,
): GateSpec {
  if (!escalate) return gate;
  const found = escalatingFindings(escalate.on, findings, ledger);
  if (found.length === 0) return gate;
  const count = escalate.count ?? gate.count;
  const from = escalate.from ?? gate.from;
  return Object.freeze({
    ...gate,
    count,
    from,
    escalated: escalationReason(escalate.on, found, count, from),
  });
}
