import { diffText } from "../../core/diff/diff-text.js";
import type { StepPlan } from "../../core/run/plan.js";
import type { RunState } from "../../core/run/run-state.js";
import { errorMessage } from "../error-message.js";
import type { AgentRequest } from "../ports.js";
import type { RunShare } from "../run-resources.js";
import type { AgentExecutorOptions } from "./agent-options.js";
import { capDescription, chunked, withDescriptionNote } from "./chunked-review.js";
import { type AgentInputs, type PreparedInputs, prepareInputs } from "./prepare-inputs.js";
import { renderPrompt } from "./render-prompt.js";
import { checkSingleCall, single } from "./single-call.js";
import type { Outcome } from "./step-outcome.js";

/** Earlier steps' outputs, for an `agent` prompt's `{{ steps.<id>.output }}`. */
export function earlierOutputs(run: RunState): Record<string, { output: string }> {
  const out: Record<string, { output: string }> = {};
  for (const s of run.steps.values()) {
    if (s.status === "succeeded" && s.output) out[s.id] = { output: s.output.text ?? s.output.summary };
  }
  return out;
}

/** What one review of a step's inputs needs: the run, the step as it runs (its model), its inputs and budget. */
export interface ReviewContext {
  readonly run: RunState;
  readonly step: StepPlan;
  readonly raw: AgentInputs;
  readonly share: RunShare;
  readonly signal: AbortSignal;
}

/**
 * Reviews a step's inputs on `ctx.step.model` (the step's model, a fallback's, or a shadow's): cleans the inputs,
 * renders an `agent` prompt or chunks the diff within the budget, calls the provider. `refused` when nothing
 * could be sent (a prompt template that does not render, a prompt over the model or the budget).
 */
export async function review(
  opts: Pick<AgentExecutorOptions, "provider" | "cache">,
  ctx: ReviewContext,
): Promise<{ outcome: Outcome; prepared: PreparedInputs } | { refused: string }> {
  const { run, step, raw, share, signal } = ctx;
  const meter = opts.provider.meter ? await opts.provider.meter(step.model) : null;
  const prepared = prepareInputs(raw, { redact: meter !== null });
  const kind = step.kind as AgentRequest["kind"];
  const base: AgentRequest = {
    kind,
    stepId: step.id,
    model: step.model,
    instructions: step.instructions,
    files: prepared.inputs.files,
    pr: prepared.inputs.pr,
    issue: prepared.inputs.issue,
    prompt: null,
    signal,
  };

  let outcome: Outcome;
  if (kind === "agent") {
    let prompt: string | null = null;
    if (step.prompt !== null) {
      try {
        prompt = renderPrompt(step.prompt, {
          pr: prepared.inputs.pr,
          issue: prepared.inputs.issue,
          diff: diffText(prepared.inputs.files),
          steps: earlierOutputs(run),
        });
      } catch (err) {
        // The template is the same on every attempt: retrying cannot help.
        return { refused: `prompt template: ${errorMessage(err)}` };
      }
    }
    const request = { ...base, prompt };
    if (meter) {
      const refused = checkSingleCall(request, meter, share);
      if (typeof refused === "string") return { refused };
      outcome = await single(opts.provider, request, refused);
    } else {
      outcome = await single(opts.provider, request, null);
    }
  } else if (meter) {
    // Whether a test covers a change may show in another chunk: `tests` calls see every changed path, and a
    // file's result is reused only while that list is the same.
    const request = kind === "tests" ? { ...base, changedPaths: raw.files.map((f) => f.path).sort() } : base;
    const capped = capDescription(request, meter);
    outcome = await chunked({
      provider: opts.provider,
      request: capped.request,
      meter,
      share,
      cache: opts.cache ?? null,
      repo: run.facts.repo,
    });
    if (capped.unsent > 0) outcome = withDescriptionNote(outcome, capped.unsent);
  } else {
    outcome = await single(opts.provider, base, null);
  }
  return { outcome, prepared };
}
