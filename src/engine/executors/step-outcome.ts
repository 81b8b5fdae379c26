import type { FileDiff } from "../../core/diff/diff.js";
import {
  counts,
  type Finding,
  failsVerdict,
  severityRank,
  sortFindings,
} from "../../core/findings/finding.js";
import { findingsSummary } from "../../core/findings/findings-summary.js";
import type { StepPlan } from "../../core/run/plan.js";
import type { StepOutput } from "../../core/run/run-state.js";
import { scanSecrets } from "../../core/secrets/secret-scan.js";
import type { AgentReply, AgentRequest, CallRecord, StepResult } from "../ports.js";
import { hiddenSentence, type PreparedInputs } from "./prepare-inputs.js";
import { annotateFindings, type StepLearning } from "./step-learning.js";

/** Moved to core; re-exported so existing imports keep working. */

function dedupe(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = f.fingerprint ?? `${f.file}\0${f.line}\0${f.title}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** What the provider side of a step came to, before the verdict. */
export interface Outcome {
  readonly reply: Omit<AgentReply, "usage">;
  readonly calls: readonly CallRecord[];
  readonly data?: Readonly<Record<string, unknown>>;
  readonly error?: { readonly message: string; readonly retryable: boolean };
  /** Appended to the summary line: what a reader must not miss, like files the budget left unreviewed. */
  readonly summaryNote?: string;
}

/** The step's output and result: findings merged and sorted, token use and latency summed, the verdict. */
export function verdict(
  step: Pick<StepPlan, "failOn">,
  kind: AgentRequest["kind"],
  rawFiles: readonly FileDiff[],
  prepared: PreparedInputs,
  outcome: Outcome,
  learning?: StepLearning,
): StepResult {
  const { reply, calls } = outcome;
  const scanned = kind === "security" ? scanSecrets(rawFiles) : [];
  const all = [...scanned, ...prepared.findings, ...reply.findings];
  const findings = sortFindings(dedupe(learning ? annotateFindings(all, rawFiles, kind, learning) : all));
  const held = findings.filter((f) => f.heldBack).length;
  const cleared = findings.filter((f) => f.cleared).length;
  const notes = [
    ...(held > 0 ? [`${held} held back (low precision)`] : []),
    ...(cleared > 0 ? [`${cleared} judged wrong or dismissed on this PR`] : []),
    ...(learning?.routing ? [`model ${learning.model}: ${learning.routing.reason}`] : []),
    ...(outcome.summaryNote ? [outcome.summaryNote] : []),
  ];
  const promptTokens = calls.reduce((n, c) => n + c.promptTokens, 0);
  const completionTokens = calls.reduce((n, c) => n + c.completionTokens, 0);
  const tokens = promptTokens + completionTokens;
  const hidden = hiddenSentence(prepared.hidden);
  const text = [reply.text, hidden].filter(Boolean).join("\n\n");
  const output: StepOutput = {
    summary: [kind === "agent" ? firstLine(reply.text) : findingsSummary(findings), ...notes].join(" · "),
    findings,
    text,
    provider: reply.provider,
    notReviewed: reply.notReviewed,
    data: {
      calls,
      promptTokens,
      completionTokens,
      latencyMs: calls.reduce((n, c) => n + c.latencyMs, 0),
      ...outcome.data,
      ...(learning && {
        persona: learning.persona,
        model: learning.model,
        ...(learning.routing && { routing: learning.routing }),
      }),
      ...(held > 0 && { heldBack: held }),
      ...(cleared > 0 && { cleared }),
      ...(prepared.hidden.length > 0 && { hidden: prepared.hidden }),
      ...(prepared.redactedLines > 0 && { redactedLines: prepared.redactedLines }),
    },
  };
  if (outcome.error) {
    return {
      outcome: "failed",
      retryable: outcome.error.retryable,
      error: outcome.error.message,
      output,
      tokens,
    };
  }
  const failOn = step.failOn;
  if (failOn !== "never" && failsVerdict(findings, failOn)) {
    const worst = findings.filter(
      (f) => counts(f) && severityRank(f.severity) <= severityRank(failOn),
    ).length;
    return {
      outcome: "failed",
      retryable: false,
      error: `${worst} finding${worst === 1 ? "" : "s"} at or above ${failOn}`,
      output,
      tokens,
    };
  }
  return { outcome: "succeeded", output, tokens };
}

function firstLine(text: string): string {
  const line = text.trim().split("\n")[0] ?? "";
  return line.length > 120 ? `${line.slice(0, 117)}…` : line || "no output";
}
