import { findingsSummary } from "../findings/findings-summary.js";
import { providersOf, stepFindings } from "../findings/phase-findings.js";
import { type WaitingGate, waitingGates } from "../gates/gate-text.js";
import { type PhaseStatus, phaseStatus } from "../run/phase-status.js";
import type { PhasePlan } from "../run/plan.js";
import type { RunState, StepState } from "../run/run-state.js";
import { phaseActions } from "./check-actions.js";
import { type CheckRunView, fitMarkdown, plainTitle } from "./check-run.js";
import { blockText, cellText, codeSpan } from "./markdown-escape.js";
import { stepsTable } from "./steps-markdown.js";

/** Options of the check-run renderers. */
export interface PresentOptions {
  /** The dashboard's page of this run; linked when given. */
  readonly dashboardUrl?: string;
}

const NOT_REVIEWED_SHOWN = 20;

function firstLine(text: string | null | undefined): string {
  return (text ?? "").trim().split("\n")[0] ?? "";
}

/** `[label](url)` that survives parentheses and spaces in the URL. */
export function markdownLink(label: string, url: string): string {
  return `[${label}](${url.replace(/[()\s<>]/g, (c) => encodeURIComponent(c))})`;
}

function title(
  run: RunState,
  steps: readonly StepState[],
  status: PhaseStatus,
  gates: WaitingGate[],
): string {
  if (status.status === "queued") return "Queued";
  if (status.status === "in_progress") {
    if (gates[0]) return `Waiting for approval: ${gates[0].missing}`;
    const waiting = steps.find((s) => s.status === "waiting");
    if (waiting && status.waiting)
      return `Waiting for ${waiting.waitingFor === "deployment" ? "a deployment" : "checks"}`;
    const done = steps.filter((s) =>
      ["succeeded", "failed", "skipped", "cancelled"].includes(s.status),
    ).length;
    return `${done} of ${steps.length} steps finished`;
  }
  switch (status.conclusion) {
    case "success": {
      const findings = stepFindings(
        run,
        steps.map((s) => s.id),
      );
      return findings.length > 0 ? `Passed with ${findingsSummary(findings)}` : "Passed";
    }
    case "failure": {
      const failed = steps.filter((s) => s.status === "failed");
      const [one] = failed;
      return failed.length === 1 && one
        ? `${one.id} failed: ${firstLine(one.error)}`
        : `${failed.length} steps failed`;
    }
    case "cancelled":
      return `Cancelled: ${steps.find((s) => s.status === "cancelled")?.reason ?? run.reason ?? "cancelled"}`;
    case "skipped":
      return `Skipped: ${steps.find((s) => s.status === "skipped" && s.reason)?.reason ?? "skipped"}`;
    case "neutral":
      return "Skipped: no step's `when` matched";
  }
}

function notReviewed(run: RunState, stepIds: readonly string[]): string | null {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const id of stepIds) {
    for (const n of run.steps.get(id)?.output?.notReviewed ?? []) {
      const key = `${n.path}\0${n.reason}`;
      if (seen.has(key)) continue;
      seen.add(key);
      lines.push(`- ${codeSpan(n.path)}: ${cellText(n.reason, 120)}`);
    }
  }
  if (lines.length === 0) return null;
  const more = lines.length - NOT_REVIEWED_SHOWN;
  return [
    `**Not reviewed** (${lines.length} file${lines.length === 1 ? "" : "s"}):`,
    ...lines.slice(0, NOT_REVIEWED_SHOWN),
    ...(more > 0 ? [`- … and ${more} more`] : []),
  ].join("\n");
}

function details(run: RunState, stepIds: readonly string[]): string | undefined {
  const parts = stepIds.flatMap((id) => {
    const text = run.steps.get(id)?.output?.text?.trim();
    return text ? [`### ${codeSpan(id)}\n\n${blockText(text)}`] : [];
  });
  return parts.length > 0 ? fitMarkdown(parts.join("\n\n")) : undefined;
}

/**
 * The check run `agents / <phase name>`: status and conclusion exactly as `phaseStatus` derives them (fail
 * closed: never `success` unless it says so), a summary with the steps' table, waiting gates and what they
 * miss, files not reviewed and the providers used, each agent step's prose in `text`, and the buttons.
 *
 * @example phaseCheckRun(run, run.plan.phases[0]!, {}).name // → "agents / Review"
 */
export function phaseCheckRun(run: RunState, phase: PhasePlan, opts: PresentOptions = {}): CheckRunView {
  const status = phaseStatus(run, phase);
  const steps = phase.steps.flatMap((id) => run.steps.get(id) ?? []);
  const gates = waitingGates(run, phase.steps);
  const providers = providersOf(run, phase.steps);
  const skipped = notReviewed(run, phase.steps);
  const summary = fitMarkdown(
    [
      stepsTable(run, phase.steps),
      ...gates.map(
        (g) => `**Waiting:** ${codeSpan(g.stepId)}: ${cellText(g.missing)}. Can approve: ${g.who}.`,
      ),
      ...(skipped ? [skipped] : []),
      ...(providers.length > 0 ? [`Provider: ${providers.map((p) => cellText(p, 80)).join(", ")}`] : []),
      ...(opts.dashboardUrl ? [markdownLink("Run on the dashboard", opts.dashboardUrl)] : []),
    ].join("\n\n"),
  );
  const text = details(run, phase.steps);
  const output = { title: plainTitle(title(run, steps, status, gates)), summary, ...(text ? { text } : {}) };
  const name = `agents / ${phase.name}`;
  const failed = status.status === "completed" && status.conclusion === "failure";
  const actions = phaseActions(phase, failed, gates, run.facts.headSha);
  return status.status === "completed"
    ? { name, status: "completed", conclusion: status.conclusion, output, actions }
    : { name, status: status.status, output, actions };
}
