import type { AgentProvider, AgentReply, AgentRequest, TokenMeter } from "../ports.js";
import type { RunShare } from "../run-resources.js";
import { callsOf, failure } from "./failed-call.js";
import type { Outcome } from "./step-outcome.js";

/** An `agent` call must fit the model whole (nothing is truncated) and the run's remaining budget. */
export function checkSingleCall(
  request: AgentRequest,
  meter: TokenMeter,
  share: RunShare,
): string | ReturnType<RunShare["budget"]["reserve"]> {
  const tokens = meter.promptTokens(request);
  if (tokens > meter.maxPromptTokens) {
    return `the prompt is ${tokens} tokens, over ${request.model}'s limit of ${meter.maxPromptTokens}; nothing was sent or truncated`;
  }
  const reservation = share.budget.reserve(tokens + meter.replyAllowance);
  if (!reservation) {
    return `token budget: this step needs about ${tokens + meter.replyAllowance} tokens and the run has ${share.budget.remaining} left`;
  }
  return reservation;
}

/**
 * One provider call (an `agent` step, or any step with the heuristic provider), its reservation settled to
 * what it cost; a failure becomes the outcome's error, with the tokens its answered calls spent.
 */
export async function single(
  provider: AgentProvider,
  request: AgentRequest,
  reservation: ReturnType<RunShare["budget"]["reserve"]>,
): Promise<Outcome> {
  const started = performance.now();
  let reply: AgentReply;
  try {
    reply = await provider.run(request);
  } catch (err) {
    if (request.signal.aborted) throw err;
    const calls = callsOf(err);
    reservation?.settle(calls.reduce((n, c) => n + c.promptTokens + c.completionTokens, 0));
    const empty = { findings: [], text: "", provider: provider.label, notReviewed: [] };
    return { reply: empty, calls, error: failure(err) };
  }
  const used = reply.usage.promptTokens + reply.usage.completionTokens;
  reservation?.settle(used);
  // A provider that reports no calls made one if it used tokens (the heuristic one makes none).
  const calls =
    reply.calls ??
    (used > 0 ? [{ ...reply.usage, latencyMs: Math.round(performance.now() - started), tries: 1 }] : []);
  return { reply, calls };
}
