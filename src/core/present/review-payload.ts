import { type Finding, failsVerdict } from "../findings/finding.js";
import { type Fingerprint, fingerprintMarker } from "../findings/finding-fingerprint.js";
import { fingerprintOf } from "../findings/finding-key.js";
import { findingsSummary } from "../findings/findings-summary.js";
import { providersOf } from "../findings/phase-findings.js";
import type { PhasePlan } from "../run/plan.js";
import { indexPlan } from "../run/plan-index.js";
import { isTerminal, type RunState } from "../run/run-state.js";
import { blockText, cellText, codeSpan } from "./markdown-escape.js";

/** The review events the app may submit. There is no `APPROVE`: only humans approve. */
export type ReviewEvent = "COMMENT" | "REQUEST_CHANGES";

/** An inline comment on a line of the diff's new side. */
export interface ReviewComment {
  readonly path: string;
  readonly line: number;
  readonly side: "RIGHT";
  readonly body: string;
}

/** One PR review, ready for `POST /repos/{owner}/{repo}/pulls/{n}/reviews`, plus what it posts. */
export interface ReviewPayload {
  readonly commit_id: string;
  readonly event: ReviewEvent;
  readonly body: string;
  readonly comments: readonly ReviewComment[];
  /** Every finding this review posts (inline, in the body or held back); add them to what is already posted. */
  readonly fingerprints: readonly Fingerprint[];
  /** The same findings with where each went, for the PR's ledger. */
  readonly entries: readonly PostedEntry[];
}

/** One finding a review posts and where: an inline comment, the body, or the body's held-back list. */
export interface PostedEntry {
  readonly finding: Finding;
  readonly stepId: string;
  readonly fingerprint: Fingerprint;
  readonly postedIn: "inline" | "body" | "held-back";
}

/** GitHub's limit on a review body. */
export const REVIEW_BODY_MAX = 65_536;
/** Inline comments per review; the rest go in the body. */
export const INLINE_COMMENTS_MAX = 50;
const REVIEW_KINDS = new Set(["review", "security", "tests"]);

interface Entry {
  readonly finding: Finding;
  readonly stepId: string;
  readonly fp: Fingerprint;
}

function heading(e: Entry): string {
  return `**[${e.finding.severity}] ${cellText(e.finding.title, 200)}**`;
}

function fence(code: string, info: string): string {
  const longest = Math.max(2, ...(code.match(/`+/g) ?? []).map((r) => r.length));
  const ticks = "`".repeat(longest + 1);
  return `${ticks}${info}\n${code.replace(/\r\n?/g, "\n").replace(/\n$/, "")}\n${ticks}`;
}

function inlineBody(e: Entry): string {
  const { finding } = e;
  return [
    `${heading(e)} · ${codeSpan(e.stepId)}`,
    blockText(finding.body),
    ...(finding.suggestion ? [fence(finding.suggestion.slice(0, 4000), "suggestion")] : []),
    fingerprintMarker(e.fp),
  ].join("\n\n");
}

function heldBackLine(e: Entry): string {
  const { finding } = e;
  const where = finding.line === null ? finding.file : `${finding.file}:${finding.line}`;
  return `- [${finding.severity}] ${cellText(finding.title, 200)} · ${codeSpan(where)} · ${codeSpan(e.stepId)} ${fingerprintMarker(e.fp)}`;
}

/** The collapsed list of findings noise control held back, or "" when there are none. */
function heldBackBlock(held: readonly Entry[]): string {
  if (held.length === 0) return "";
  const lines = held.slice(0, 100).map(heldBackLine);
  if (held.length > 100) lines.push(`- … ${held.length - 100} more`);
  return [
    `<details><summary>Held back: low precision here (${held.length} finding${held.length === 1 ? "" : "s"})</summary>`,
    "",
    "Judged findings of these agents on these files were mostly wrong (`settings.min_precision`); they are listed here and do not fail the step.",
    "",
    ...lines,
    "",
    "</details>",
  ].join("\n");
}

function bodyBlock(e: Entry): string {
  const { finding } = e;
  const where = finding.line === null ? finding.file : `${finding.file}:${finding.line}`;
  return [
    `${heading(e)} · ${codeSpan(where)} · ${codeSpan(e.stepId)}`,
    blockText(finding.body),
    fingerprintMarker(e.fp),
  ].join("\n\n");
}

/**
 * The one PR review of a phase with `review`, `security` or `tests` steps, once all of them finished; null when
 * the phase has none, one is still open, or no finding is new. Findings already posted (same file, line and
 * title) are not repeated, nor duplicates across steps. New findings on a line present in the diff's new side
 * become inline comments (the first 50, worst first as the steps sort them); the rest go in the body, cut to
 * GitHub's 65,536 characters with a visible note. `REQUEST_CHANGES` when any finding of a step, new or not,
 * reaches that step's `fail_on`; else `COMMENT`. Model text is escaped: mentions cannot notify, HTML cannot
 * open or close anything, an open code fence is closed.
 */
export function reviewPayload(
  run: RunState,
  phase: PhasePlan,
  diffLines: (path: string) => ReadonlySet<number>,
  alreadyPosted: ReadonlySet<Fingerprint>,
): ReviewPayload | null {
  const index = indexPlan(run.plan);
  const steps = phase.steps.flatMap((id) => {
    const plan = index.step.get(id);
    return plan && REVIEW_KINDS.has(plan.kind) ? [plan] : [];
  });
  if (steps.length === 0) return null;
  if (steps.some((p) => !isTerminal(run.steps.get(p.id)?.status ?? "queued"))) return null;

  const seen = new Set<Fingerprint>(alreadyPosted);
  const fresh: Entry[] = [];
  let requestChanges = false;
  for (const p of steps) {
    const findings = run.steps.get(p.id)?.output?.findings ?? [];
    if (failsVerdict(findings, p.failOn)) requestChanges = true;
    for (const finding of findings) {
      const fp = fingerprintOf(finding);
      if (seen.has(fp)) continue;
      seen.add(fp);
      fresh.push({ finding, stepId: p.id, fp });
    }
  }
  if (fresh.length === 0) return null;

  const inline: Entry[] = [];
  const rest: Entry[] = [];
  const held: Entry[] = [];
  for (const e of fresh) {
    if (e.finding.heldBack) {
      held.push(e);
      continue;
    }
    const { line, file } = e.finding;
    const onDiff = line !== null && inline.length < INLINE_COMMENTS_MAX && diffLines(file).has(line);
    (onDiff ? inline : rest).push(e);
  }

  const ids = steps.map((p) => p.id);
  const providers = providersOf(run, ids);
  const broken = ids.filter((id) => run.steps.get(id)?.status === "failed" && run.steps.get(id)?.error);
  const header = [
    `**agents / ${cellText(phase.name, 80)}** on \`${run.facts.headSha.slice(0, 7)}\`: ` +
      `${findingsSummary(fresh.map((e) => e.finding)).replace(/^(\d+) finding/, "$1 new finding")}, ` +
      `${inline.length} inline, ${rest.length} below${held.length > 0 ? `, ${held.length} held back` : ""}.`,
    ...(providers.length > 0 ? [`Provider: ${providers.map((p) => cellText(p, 80)).join(", ")}`] : []),
    ...broken.map((id) => `${codeSpan(id)} failed: ${cellText(run.steps.get(id)?.error ?? "", 200)}`),
  ].join("\n\n");

  const posted = [...inline];
  const heldText = heldBackBlock(held);
  let body = header;
  let shown = 0;
  for (const e of rest) {
    const block = `\n\n${bodyBlock(e)}`;
    const left = rest.length - shown - 1;
    const reserve = (left > 0 ? 200 : 0) + heldText.length + 2;
    if (body.length + block.length + reserve > REVIEW_BODY_MAX) break;
    body += block;
    posted.push(e);
    shown++;
  }
  if (shown < rest.length) {
    body += `\n\n**… ${rest.length - shown} more finding${rest.length - shown === 1 ? "" : "s"} not shown:** GitHub's review size limit. The check run \`agents / ${cellText(phase.name, 80)}\` lists them all.`;
  }

  if (heldText) {
    body += `\n\n${heldText}`;
    posted.push(...held);
  }
  const where = (e: Entry): PostedEntry["postedIn"] =>
    e.finding.heldBack ? "held-back" : inline.includes(e) ? "inline" : "body";
  return {
    commit_id: run.facts.headSha,
    event: requestChanges ? "REQUEST_CHANGES" : "COMMENT",
    body,
    comments: inline.map((e) => ({
      path: e.finding.file,
      line: e.finding.line as number,
      side: "RIGHT",
      body: inlineBody(e),
    })),
    fingerprints: posted.map((e) => e.fp),
    entries: posted.map((e) => ({
      finding: e.finding,
      stepId: e.stepId,
      fingerprint: e.fp,
      postedIn: where(e),
    })),
  };
}
