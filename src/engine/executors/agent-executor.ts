import { diffText } from "../../core/diff/diff-text.js";
import type { RunState } from "../../core/run/run-state.js";
import { errorMessage } from "../error-message.js";
import type {
  AgentCache,
  AgentProvider,
  AgentRequest,
  LearningPort,
  StepExecutor,
  StepResult,
} from "../ports.js";
import { RunResources } from "../run-resources.js";
import { capDescription, chunked, withDescriptionNote } from "./chunked-review.js";
import { type AgentInputs, prepareInputs } from "./prepare-inputs.js";
import { renderPrompt } from "./render-prompt.js";
import { checkSingleCall, single } from "./single-call.js";
import { stepLearning } from "./step-learning.js";
import { type Outcome, verdict } from "./step-outcome.js";

/** What an agent step reads: the diff and the PR or issue text. Loaded once per run by the caller. */
export interface AgentExecutorOptions {
  readonly provider: AgentProvider;
  readonly inputs: (run: RunState) => Promise<AgentInputs>;
  /** Per-file results of earlier reviews; without one every run pays for every file. */
  readonly cache?: AgentCache | null;
  /** The server's `PHASEGATE_ALLOWED_MODELS`; empty allows any model. */
  readonly allowedModels?: readonly string[];
  /** Shared by every step of a run in this process; one is made when not given. */
  readonly resources?: RunResources;
  /** What humans judged: routes `models`, holds back noise, clears judged findings. None in the CLI. */
  readonly learning?: LearningPort | null;
  readonly now?: () => number;
}

function earlierOutputs(run: RunState): Record<string, { output: string }> {
  const out: Record<string, { output: string }> = {};
  for (const s of run.steps.values()) {
    if (s.status === "succeeded" && s.output) out[s.id] = { output: s.output.text ?? s.output.summary };
  }
  return out;
}

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
    // What humans judged is read while the inputs load.
    const inputs = opts.inputs(run);
    const files = inputs.then((i) => i.files);
    files.catch(() => {}); // awaited only to route; a failure surfaces through `inputs`
    const [raw, learning] = await Promise.all([
      inputs,
      stepLearning(opts.learning ?? null, run, planned, files, now(), share),
    ]);
    if (allowed.length > 0 && !allowed.includes(learning.model)) return refusal(learning.model);
    const step = learning.model === planned.model ? planned : { ...planned, model: learning.model };
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
          return fail(`prompt template: ${errorMessage(err)}`);
        }
      }
      const request = { ...base, prompt };
      if (meter) {
        const refused = checkSingleCall(request, meter, share);
        if (typeof refused === "string") return fail(refused);
        outcome = await single(opts.provider, request, refused);
      } else {
        outcome = await single(opts.provider, request, null);
      }
    } else if (meter) {
      // Whether a test covers a change may show in another chunk: `tests` calls see every changed path, and a
      // file's result is reused only while that list is the same.
      const request =
        kind === "tests" ? { ...base, changedPaths: raw.files.map((f) => f.path).sort() } : base;
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
    return verdict(step, kind, raw.files, prepared, outcome, learning);
  };
}
