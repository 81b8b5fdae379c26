import type { WaitingGate } from "../gates/gate-text.js";
import type { PhasePlan } from "../run/plan.js";
import type { RunState } from "../run/run-state.js";
import type { SlashCommand } from "../webhooks/slash-command.js";
import type { CheckRunAction } from "./check-run.js";
import { clip } from "./markdown-escape.js";

/** GitHub's limits on check-run buttons. */
export const ACTION_LIMITS = { count: 3, label: 20, description: 40, identifier: 20 } as const;

/** The identifier of an `Approve` button: `approve:<step>` when it fits in 20 characters, else `approve#<i>`. */
function approveIdentifier(phase: PhasePlan, stepId: string): string {
  const named = `approve:${stepId}`;
  return named.length <= ACTION_LIMITS.identifier ? named : `approve#${phase.steps.indexOf(stepId)}`;
}

/**
 * A phase's buttons: `Retry failed` when it failed; `Approve` for each gate waiting in it (at most 3 in all).
 * With one waiting gate the label is `Approve`; with several, `Approve <step>` cut to 20 characters.
 */
export function phaseActions(
  phase: PhasePlan,
  failed: boolean,
  gates: readonly WaitingGate[],
  sha: string,
): CheckRunAction[] {
  const out: CheckRunAction[] = [];
  if (failed) {
    out.push({
      label: "Retry failed",
      description: "Run this phase's failed steps again",
      identifier: "retry-failed",
    });
  }
  for (const g of gates) {
    out.push({
      label: gates.length === 1 ? "Approve" : clip(`Approve ${g.stepId}`, ACTION_LIMITS.label),
      description: clip(`Approve ${g.stepId} on ${sha.slice(0, 7)}`, ACTION_LIMITS.description),
      identifier: approveIdentifier(phase, g.stepId),
    });
  }
  return out.slice(0, ACTION_LIMITS.count);
}

/**
 * The commands a button click stands for, checked by the caller exactly like the slash commands: `retry-failed`
 * retries the phase's failed steps as they are now; `approve:<step>` / `approve#<i>` approves that gate of the
 * phase. Unknown identifiers and steps of other phases give `[]`.
 */
export function actionCommands(identifier: string, run: RunState, phase: PhasePlan): SlashCommand[] {
  if (identifier === "retry-failed") {
    return phase.steps
      .filter((id) => run.steps.get(id)?.status === "failed")
      .map((step) => ({ type: "retry", step }));
  }
  const m = /^approve(?::([a-z0-9][a-z0-9_-]*)|#(\d+))$/.exec(identifier);
  if (!m) return [];
  const step = m[1] ?? phase.steps[Number(m[2])];
  return step !== undefined && phase.steps.includes(step) ? [{ type: "approve", step }] : [];
}
