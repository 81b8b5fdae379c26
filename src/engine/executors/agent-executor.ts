import type { AgentRequest, StepExecutor, StepResult } from "../ports.js";
import { RunResources } from "../run-resources.js";
import type { AgentExecutorOptions } from "./agent-options.js";
import { governStep, recordWork } from "./governance.js";
import { review } from "./review.js";
import { startShadow } from "./shadow.js";
import { stepLearning } from "./step-learning.js";
import { verdict } from "./step-outcome.js";
import { verifyOutcome } from "./verify.js";

export type { AgentExecutorOptions } from "./agent-options.js";
export { type ReviewContext, review } from "./review.js";

const fail = (error: string, retryable = false): StepResult => ({ outcome: "failed", retryable, error });

/**
 * Runs `review`, `security`, `tests` and `agent` steps through a provider:
 * 1. refuse a model the server does not allow, and refuse to start when the run's token budget is spent; pick
 *    the persona's model by its learning profiles when it lists several (`stepLearning`);
 * 2. clean the inputs: hidden text removed and reported; for a model, flagged secret lines redacted;
 * 3. `agent`: render the prompt template and make one call that must fit the model and the budget;
 *    other kinds with a model: reuse cached files, chunk the rest, review chunks in parallel within the budget;
 *    with the heuristic provider: one call over the whole diff;
 * 4. `security` adds the deterministic secret scan (on the raw diff), which needs no model;
 * 5. fail the step when a call failed after its retries (fail closed; what was reviewed is kept and cached),
 *    or when a finding reaches `fail_on` — a verdict, so it is not retried.
 */
export function agentExecutor(opts: AgentExecutorOptions): StepExecutor {
  const resources = opts.resources ?? new RunResources();
  const allowed = opts.allowedModels ?? [];
  const now = opts.now ?? Date.now;
  return async ({ run, step: planned, signal }): Promise<StepResult> => {
    const refusal = (model: string) =>
      fail(
        `model "${model}" is not allowed on this server (allowed: ${allowed.join(", ")}); ` +
          "set settings.model or the agent's model to one of them",
      );
    if (allowed.length > 0 && !allowed.includes(planned.model)) return refusal(planned.model);
    const share = resources.for(run);
    if (share.budget.remaining <= 0) {
      return fail(
        `token budget exhausted: the run used ${share.budget.spent} of ${share.budget.limit} tokens`,
      );
    }
    // What humans judged, and the error budgets' suspensions, are read while the inputs load.
    const governance = opts.governance ?? null;
    const suspensions = governance
      ? share.shared("suspensions", now(), () => governance.suspended(run.facts.repo, now()))
      : null;
    suspensions?.catch(() => {}); // awaited below
    // What humans judged is read while the inputs load.
    const inputs = opts.inputs(run);
    const files = inputs.then((i) => i.files);
    files.catch(() => {}); // awaited only to route; a failure surfaces through `inputs`
    const [raw, learning] = await Promise.all([
      inputs,
      stepLearning(opts.learning ?? null, run, planned, files, now(), share),
    ]);
    if (allowed.length > 0 && !allowed.includes(learning.model)) return refusal(learning.model);
    const routed = learning.model === planned.model ? planned : { ...planned, model: learning.model };
    // A persona-and-model suspended by its error budget hands the step to its fallback, or fails at once.
    const governed = await governStep(suspensions, routed, now());
    if ("suspended" in governed) return fail(governed.suspended);
    const step = governed.step;
    const taught = governed.fallback
      ? { ...learning, persona: governed.fallback, model: step.model }
      : learning;
    const shadow = startShadow(opts, { run, step, raw, signal, learning: taught, now: now() });
    let reviewed: Awaited<ReturnType<typeof review>>;
    try {
      reviewed = await review(opts, { run, step, raw, share, signal });
    } catch (err) {
      // A timeout counts against the error budget like a provider error.
      if (signal.aborted && (signal.reason as Error | undefined)?.message === "timed out") {
        const error = { message: "timed out", retryable: true };
        await recordWork(
          opts.governance ?? null,
          run,
          step,
          taught.persona,
          { calls: [], error },
          now(),
        ).catch(() => {});
      }
      throw err;
    }
    if ("refused" in reviewed) {
      const refused = fail(reviewed.refused);
      await shadow?.settle(refused);
      return refused;
    }
    const outcome = await verifyOutcome(
      opts,
      { run, step, raw, share, signal, prepared: reviewed.prepared },
      reviewed.outcome,
    );
    await recordWork(opts.governance ?? null, run, step, taught.persona, outcome, now());
    const result = verdict(
      step,
      step.kind as AgentRequest["kind"],
      raw.files,
      reviewed.prepared,
      governed.note
        ? { ...outcome, summaryNote: [governed.note, outcome.summaryNote].filter(Boolean).join(" · ") }
        : outcome,
      taught,
    );
    await shadow?.settle(result);
    return result;
  };
}
