import type { FileDiff } from "../../core/diff/diff.js";
import { orderForReview } from "../../core/diff/review-order.js";
import { skipReason } from "../../core/diff/skip-files.js";
import type { AgentCache, AgentProvider, AgentRequest, TokenMeter } from "../ports.js";
import type { RunShare } from "../run-resources.js";
import { failure } from "./failed-call.js";
import { reviewChunks } from "./review-chunks.js";
import type { Outcome } from "./step-outcome.js";

/** A PR description repeats in every review call: past this many tokens it is cut, visibly. */
export const DESCRIPTION_TOKENS = 2_000;

/**
 * The request with a PR description over `DESCRIPTION_TOKENS` cut to about that and marked where and how much,
 * so the model (and the output) know it was not read whole.
 */
export function capDescription(
  request: AgentRequest,
  meter: TokenMeter,
): { request: AgentRequest; unsent: number } {
  const body = request.pr?.body ?? "";
  const tokens = meter.countTokens(body);
  if (!request.pr || tokens <= DESCRIPTION_TOKENS) return { request, unsent: 0 };
  const kept = body.slice(0, Math.floor((body.length * DESCRIPTION_TOKENS) / tokens));
  const unsent = tokens - meter.countTokens(kept);
  const marker = `\n[phasegate: the description was cut here; ${unsent} more tokens were not sent]`;
  return { request: { ...request, pr: { ...request.pr, body: `${kept}${marker}` } }, unsent };
}

/** The outcome with a note (text and data) that the description was cut. */
export function withDescriptionNote(outcome: Outcome, unsent: number): Outcome {
  const note = `The pull request description was cut to about ${DESCRIPTION_TOKENS} tokens in every call (${unsent} tokens not sent); the diff was not cut.`;
  return {
    ...outcome,
    reply: { ...outcome.reply, text: `${outcome.reply.text}\n\n${note}` },
    data: { ...outcome.data, descriptionTokensNotSent: unsent },
  };
}

/**
 * A `review`, `security` or `tests` step with a model: skipped files listed with their reason, the rest
 * reviewed most important first (`orderForReview`) through `reviewChunks`, and the step's text, files not
 * reviewed and failure put together. A step that the budget let review nothing fails: never a green "reviewed".
 */
export async function chunked(input: {
  provider: AgentProvider;
  request: AgentRequest;
  meter: TokenMeter;
  share: RunShare;
  cache: AgentCache | null;
  /** The run's repository: results are never shared between repositories (a prompt held its PR's text). */
  repo: string;
}): Promise<Outcome> {
  const { request, meter } = input;
  const reviewable: FileDiff[] = [];
  const skipped: { path: string; reason: string }[] = [];
  for (const file of request.files) {
    const reason = skipReason(file);
    if (reason) skipped.push({ path: file.path, reason });
    else reviewable.push(file);
  }
  const scope = {
    repo: input.repo,
    model: request.model,
    kind: request.kind,
    promptVersion: meter.promptVersion,
    instructions: request.instructions,
    context: request.changedPaths?.join("\n") ?? "",
  };
  const review = await reviewChunks({
    request: { ...request, files: orderForReview(reviewable) },
    provider: input.provider,
    meter,
    share: input.share,
    cache: input.cache,
    scope,
  });
  const reviewed = reviewable.length - new Set(review.notReviewed.map((n) => n.path)).size;
  const cacheNote = review.cacheHits.length
    ? `${review.cacheHits.length} unchanged file${review.cacheHits.length === 1 ? "" : "s"} reused earlier results (0 tokens).`
    : "";
  const text =
    reviewable.length === 0
      ? "No reviewable file changes: nothing was sent to the model."
      : [`Reviewed ${reviewed} of ${reviewable.length} files.`, cacheNote, ...review.summaries]
          .filter(Boolean)
          .join("\n\n");
  const err = review.error;
  const provider = `${input.provider.label} ${request.model}`;
  if (err === null && review.budgetLeft !== null && review.chunksSent === 0 && review.fresh > 0) {
    // Nothing was reviewed: a green check here would say "reviewed" about a change no model read.
    return {
      reply: { findings: review.findings, text, provider, notReviewed: [...skipped, ...review.notReviewed] },
      calls: [],
      error: {
        message: `token budget: none of the ${review.fresh} reviewable files could be reviewed with the ${review.budgetLeft} tokens left in the run`,
        retryable: false,
      },
    };
  }
  const short = new Set(
    review.notReviewed.filter((n) => n.reason.includes("token budget")).map((n) => n.path),
  );
  return {
    ...(short.size > 0 && {
      summaryNote: `${short.size} of ${reviewable.length} files not reviewed (token budget)`,
    }),
    reply: {
      findings: review.findings,
      text,
      provider,
      notReviewed: [...skipped, ...review.notReviewed],
    },
    calls: review.calls,
    data: { cache: { hits: review.cacheHits.length, reviewed: reviewable.length - review.cacheHits.length } },
    ...(err !== null && { error: failure(err) }),
  };
}
