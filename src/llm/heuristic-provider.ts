import type { FileDiff } from "../core/diff/diff.js";
import { type Finding, sortFindings } from "../core/findings/finding.js";
import { scanSecrets } from "../core/secrets/secret-scan.js";
import type { AgentProvider, AgentReply, AgentRequest } from "../engine/ports.js";
import { findDebugLeftovers } from "./heuristics/debug-leftovers.js";
import { describeDiff } from "./heuristics/diff-stats.js";
import { findLargeFile } from "./heuristics/large-files.js";
import { findMissingTests } from "./heuristics/missing-tests.js";
import { findTodoMarkers } from "./heuristics/todo-markers.js";
import { partitionFiles } from "./partition-files.js";

/** Shown on every output of the heuristic provider, so nobody mistakes it for a model's review. */
export const HEURISTIC_LABEL = "heuristic (no model configured)";

/**
 * The confidence of every heuristic finding: the pattern surely matched, but whether it matters (a `console.log`
 * meant as output, a TODO tracked elsewhere) is not certain. Verification never applies: there is no model.
 */
export const HEURISTIC_CONFIDENCE = 0.9;

type NotReviewed = AgentReply["notReviewed"];

/** What one kind's checks came to, before the reply is put together. */
interface CheckResult {
  readonly findings: readonly Finding[];
  readonly checks: string;
  readonly checked: number;
  readonly notReviewed: NotReviewed;
}

/**
 * The provider used when no model is configured: real, deterministic checks, clearly labelled.
 * `security` runs the secret scan over every text file; `review` adds debug leftovers, TODO/FIXME markers and very
 * large files; `tests` reports changed source files without a changed test; `agent` says that no model is
 * configured and describes the diff. It never pretends to be a model, and uses no tokens.
 *
 * @example await new HeuristicProvider().run({ kind: "security", files, ... }) // → findings of the secret scan
 */
export class HeuristicProvider implements AgentProvider {
  readonly label = HEURISTIC_LABEL;

  async run(request: AgentRequest): Promise<AgentReply> {
    request.signal.throwIfAborted();
    if (request.kind === "agent") return this.reply([], agentAnswer(request.files), []);
    const result = CHECKS[request.kind](request.files);
    const findings = sortFindings(
      result.findings.map((f) => ({ ...f, confidence: f.confidence ?? HEURISTIC_CONFIDENCE })),
    );
    return this.reply(findings, summarize(result, findings), result.notReviewed);
  }

  private reply(findings: readonly Finding[], text: string, notReviewed: NotReviewed): AgentReply {
    return {
      findings,
      text,
      usage: { promptTokens: 0, completionTokens: 0 },
      provider: this.label,
      notReviewed,
    };
  }
}

const CHECKS: Record<"review" | "security" | "tests", (files: readonly FileDiff[]) => CheckResult> = {
  // A key in a bundle or a vendored copy leaks all the same, so the scan reads every file it can read as text.
  security: (files) => ({
    findings: scanSecrets(files.filter((f) => !f.binary)),
    checks: "secret scan",
    checked: files.filter((f) => !f.binary).length,
    notReviewed: files.filter((f) => f.binary).map((f) => ({ path: f.path, reason: "binary" })),
  }),
  review: (files) => {
    const { reviewable, skipped } = partitionFiles(files);
    return {
      findings: [
        ...scanSecrets(reviewable),
        ...reviewable.flatMap((f) => [...findDebugLeftovers(f), ...findTodoMarkers(f)]),
        ...reviewable.flatMap((f) => findLargeFile(f) ?? []),
      ],
      checks: "secret scan, debug leftovers, TODO/FIXME markers, very large files",
      checked: reviewable.length,
      notReviewed: skipped.map((s) => ({ path: s.file.path, reason: s.reason })),
    };
  },
  tests: (files) => {
    const { reviewable, skipped } = partitionFiles(files);
    return {
      findings: findMissingTests(files),
      checks: "changed source files without a changed test",
      checked: reviewable.length,
      notReviewed: skipped.map((s) => ({ path: s.file.path, reason: s.reason })),
    };
  },
};

function summarize(result: CheckResult, findings: readonly Finding[]): string {
  const counts = (["blocker", "high", "medium", "low"] as const)
    .map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  const found =
    findings.length === 0 ? "no findings" : `${plural(findings.length, "finding")} (${counts.join(", ")})`;
  const skipped = result.notReviewed.length
    ? ` Not reviewed: ${result.notReviewed.map((n) => `${n.path} (${n.reason})`).join(", ")}.`
    : "";
  return (
    `${HEURISTIC_LABEL}: no model reviewed this change. Deterministic checks (${result.checks}) on ` +
    `${plural(result.checked, "file")}: ${found}.${skipped}`
  );
}

function agentAnswer(files: readonly FileDiff[]): string {
  return [
    `${HEURISTIC_LABEL}: no language model is configured (OPENAI_API_KEY is not set), so this step's prompt was not run and nothing here was written by a model.`,
    "",
    describeDiff(files),
  ].join("\n");
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
