import { waitingGates } from "../gates/gate-text.js";
import { type PhaseStatus, phaseStatus } from "../run/phase-status.js";
import type { PhasePlan, RunPlan } from "../run/plan.js";
import { indexPlan } from "../run/plan-index.js";
import type { RunState } from "../run/run-state.js";
import { type CheckRunView, fitMarkdown, plainTitle } from "./check-run.js";
import { cellText, codeSpan } from "./markdown-escape.js";
import { markdownLink, type PresentOptions } from "./phase-check-run.js";

/** The name of the check run a repository marks required. */
export const OVERALL_CHECK_NAME = "agents";

/**
 * What the `agents` check stands for: every phase before the first phase holding a `merge` step (plan order),
 * plus any other step that merge step needs, in plan order (an approval next to the merge in one phase, or in a
 * phase declared later, gates a human merge too). Without a merge step, every phase.
 */
export function gatingScope(plan: RunPlan): { phases: PhasePlan[]; steps: string[] } {
  const index = indexPlan(plan);
  const at = plan.phases.findIndex((p) => p.steps.some((id) => index.step.get(id)?.kind === "merge"));
  if (at < 0) return { phases: [...plan.phases], steps: [] };
  const mergePhase = plan.phases[at] as PhasePlan;
  const merge = mergePhase.steps.find((id) => index.step.get(id)?.kind === "merge") as string;
  const needed = new Set<string>();
  const work = [...(index.step.get(merge)?.needs ?? [])];
  for (let id = work.pop(); id !== undefined; id = work.pop()) {
    if (needed.has(id)) continue;
    needed.add(id);
    work.push(...(index.step.get(id)?.needs ?? []));
  }
  const phases = plan.phases.slice(0, at);
  const covered = new Set(phases.flatMap((p) => p.steps));
  return { phases, steps: plan.steps.map((s) => s.id).filter((id) => needed.has(id) && !covered.has(id)) };
}

function phaseWord(s: PhaseStatus): string {
  if (s.status === "completed") return s.conclusion;
  return s.status === "in_progress" && s.waiting ? "waiting" : s.status.replace("_", " ");
}

type Verdict = "pass" | "fail" | "cancelled" | "open";

/** A skip that lets dependants go ahead: by `when`, `if:` or by hand. */
function passedSkip(reason: string | null): boolean {
  return (
    !!reason && (reason.startsWith("when:") || reason.startsWith("if:") || reason.startsWith("skipped by"))
  );
}

function stepVerdict(run: RunState, id: string): Verdict {
  const s = run.steps.get(id);
  switch (s?.status) {
    case "succeeded":
      return "pass";
    case "skipped":
      return passedSkip(s.reason) ? "pass" : "fail";
    case "failed":
      return indexPlan(run.plan).step.get(id)?.continueOnError ? "pass" : "fail";
    case "cancelled":
      return "cancelled";
    default:
      return "open";
  }
}

/** A phase fails as soon as one of its steps failed for good, before the rest of it finishes. */
function phaseVerdict(run: RunState, phase: PhasePlan, status: PhaseStatus): Verdict {
  if (status.status !== "completed") {
    return phase.steps.some((id) => stepVerdict(run, id) === "fail" && run.steps.get(id)?.status === "failed")
      ? "fail"
      : "open";
  }
  if (status.conclusion === "success" || status.conclusion === "neutral") return "pass";
  return status.conclusion === "cancelled" ? "cancelled" : "fail";
}

const TITLES = { pass: "Every gate before merge passed", fail: "Failed", cancelled: "Cancelled" } as const;

/**
 * The overall `agents` check of a run: `failure` as soon as a gating phase fails (a step of it failed for good,
 * or it ended `failure` or `skipped`), `cancelled` when one was cancelled, `success` when every gating phase
 * ended `success` or `neutral` (as `phaseStatus` defines them: fail closed) and every gating step of the merge
 * phase passed; else `in_progress`. The summary lists the gating phases, every waiting gate of the run with who
 * can satisfy it, and links the dashboard's run page when given.
 */
export function overallCheckRun(run: RunState, opts: PresentOptions = {}): CheckRunView {
  const scope = gatingScope(run.plan);
  const phases = scope.phases.map((phase) => {
    const status = phaseStatus(run, phase);
    return { phase, status, verdict: phaseVerdict(run, phase, status), label: phase.name };
  });
  const steps = scope.steps.map((id) => ({ id, verdict: stepVerdict(run, id), label: id }));
  const units = [...phases, ...steps];
  const first = (v: Verdict) => units.find((u) => u.verdict === v);
  const failed = first("fail");
  const cancelled = first("cancelled");
  const verdict: Verdict = failed ? "fail" : cancelled ? "cancelled" : first("open") ? "open" : "pass";
  const gates = waitingGates(run);

  let title: string;
  if (verdict === "open") title = gates[0] ? `Waiting for approval: ${gates[0].missing}` : "Running";
  else if (verdict === "pass") title = TITLES.pass;
  else
    title = `${TITLES[verdict]}: ${(failed ?? cancelled)?.label}${verdict === "cancelled" && run.reason ? ` (${run.reason})` : ""}`;

  const rows = [
    ...phases.map((p) => `| ${cellText(p.phase.name, 80)} | ${phaseWord(p.status)} |`),
    ...scope.steps.map((id) => `| ${codeSpan(id)} | ${run.steps.get(id)?.status ?? "unknown"} |`),
  ];
  const summary = fitMarkdown(
    [
      `**${cellText(run.plan.name, 80)}** on \`${run.facts.headSha.slice(0, 7)}\``,
      ...(rows.length > 0 ? [["| before merge | status |", "| --- | --- |", ...rows].join("\n")] : []),
      ...(gates.length > 0
        ? [
            [
              "**Waiting gates**",
              ...gates.map(
                (g) =>
                  `- ${codeSpan(g.stepId)}: ${cellText(g.missing)}. Can approve: ${g.who}, ` +
                  `with an approving review or \`${run.plan.commandPrefix} approve ${g.stepId}\`.`,
              ),
            ].join("\n"),
          ]
        : []),
      ...(opts.dashboardUrl ? [markdownLink("Run on the dashboard", opts.dashboardUrl)] : []),
    ].join("\n\n"),
  );
  const output = { title: plainTitle(title), summary };
  const name = OVERALL_CHECK_NAME;
  if (verdict === "open") return { name, status: "in_progress", output, actions: [] };
  const conclusion = verdict === "pass" ? "success" : verdict === "fail" ? "failure" : "cancelled";
  return { name, status: "completed", conclusion, output, actions: [] };
}

/** Another workflow run on the same commit, as its own `agents` check would show it. */
export interface SiblingRun {
  readonly name: string;
  readonly view: CheckRunView;
}

/**
 * The `agents` check of a run with the other workflow runs on the same commit taken into account. Every run posts
 * a check named `agents` on its head SHA, and GitHub judges a required check by the newest one of that name: so
 * one run's `agents` may read `success` only when no other run on the commit failed or is still open — else a run
 * without gates (`/agents run code-review`) could turn the required check green over a run waiting for approval.
 * Cancelled and superseded runs don't count.
 *
 * @example combineOverall(overallCheckRun(run), [{ name: "Delivery", view: overallCheckRun(other) }])
 */
export function combineOverall(own: CheckRunView, others: readonly SiblingRun[]): CheckRunView {
  if (own.status === "completed" && own.conclusion !== "success") return own;
  const failed = others.filter((o) => o.view.status === "completed" && o.view.conclusion === "failure");
  const open = others.filter((o) => o.view.status !== "completed");
  const list = (runs: readonly SiblingRun[]) => runs.map((o) => `**${cellText(o.name, 80)}**`).join(", ");
  if (failed.length > 0) {
    const [first] = failed as [SiblingRun];
    return {
      name: own.name,
      status: "completed",
      conclusion: "failure",
      output: {
        title: plainTitle(`Failed: workflow ${first.name} on this commit`),
        summary: fitMarkdown(
          `${own.output.summary}\n\n**Also on this commit:** ${list(failed)} failed; \`agents\` passes only when every workflow run on the commit does.`,
        ),
      },
      actions: [],
    };
  }
  if (own.status !== "completed" || open.length === 0) return own;
  const [first] = open as [SiblingRun];
  return {
    name: own.name,
    status: "in_progress",
    output: {
      title: plainTitle(`Waiting for workflow ${first.name} on this commit`),
      summary: fitMarkdown(
        `${own.output.summary}\n\n**Also on this commit:** ${list(open)} still running or waiting; \`agents\` passes only when every workflow run on the commit does.`,
      ),
    },
    actions: [],
  };
}
