import { suspensionMessage } from "../../core/governance/error-budget.js";
import type { StepPlan } from "../../core/run/plan.js";
import type { RunState } from "../../core/run/run-state.js";
import type { GovernancePort, Suspension } from "../ports.js";
import type { Outcome } from "./step-outcome.js";

/** The circuit breaker's fail-fast message (src/llm/circuit-breaker.ts). */
export const CIRCUIT_OPEN = "model endpoint unavailable: circuit open";

/** The step as it runs under its error budget: itself, its fallback's, or refused with the spec's message. */
export type Governed =
  | { readonly step: StepPlan; readonly fallback: string | null; readonly note: string | null }
  | { readonly suspended: string };

/**
 * Error budgets before a step runs: a persona-and-model suspended in the repository hands the step to
 * `agents.<id>.fallback` (unless that one is suspended too), else the step fails at once with the suspension.
 */
export async function governStep(
  suspensions: Promise<ReadonlyMap<string, Suspension>> | null,
  step: StepPlan,
  now: number,
): Promise<Governed> {
  if (!suspensions || !step.errorBudget) return { step, fallback: null, note: null };
  const persona = step.persona ?? step.id;
  const inForce = await suspensions;
  const suspended = inForce.get(`${persona}\0${step.model}`);
  if (!suspended) return { step, fallback: null, note: null };
  const message = suspensionMessage(persona, step.model, suspended, now);
  const fallback = step.fallback;
  if (!fallback) return { suspended: message };
  const also = inForce.get(`${fallback.persona}\0${fallback.model}`);
  if (also)
    return {
      suspended: `${message}; its fallback ${suspensionMessage(fallback.persona, fallback.model, also, now)}`,
    };
  // The suspended persona's routing, verification and shadow are its own: the fallback runs plainly.
  const { models: _routed, verify: _verify, shadow: _shadow, ...rest } = step;
  return {
    step: { ...rest, persona: fallback.persona, model: fallback.model, instructions: fallback.instructions },
    fallback: fallback.persona,
    note: `run by fallback "${fallback.persona}" (${fallback.model}): ${message}`,
  };
}

/**
 * Counts a step's model work against its persona-and-model's budget: an outcome error (a provider error after the
 * call's retries, a reply still invalid after the validation retry) is an error; work without model calls (the
 * heuristic provider, everything cached) is not counted. A failure to record is the caller's to log.
 */
export async function recordWork(
  port: GovernancePort | null,
  run: RunState,
  step: StepPlan,
  persona: string,
  outcome: Pick<Outcome, "calls" | "error">,
  now: number,
): Promise<void> {
  if (!port || !step.errorBudget) return;
  if (!outcome.error && outcome.calls.length === 0) return;
  // An open circuit is the endpoint's outage, not this agent's error: the breaker answers for it.
  if (outcome.error?.message.includes(CIRCUIT_OPEN)) return;
  await port.record(
    {
      repo: run.facts.repo,
      persona,
      model: step.model,
      error: outcome.error?.message ?? null,
      at: now,
      runId: run.id,
      stepId: step.id,
    },
    step.errorBudget,
  );
}
