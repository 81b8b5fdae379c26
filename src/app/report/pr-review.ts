import { fingerprintsIn, type ReviewPayload, reviewPayload } from "../../core/present/present.js";
import type { PhasePlan } from "../../core/run/plan.js";
import { isTerminal } from "../../core/run/run-state.js";
import { GitHubWriteUncertainError } from "../../github/errors.js";
import { httpStatus } from "../../github/request-error.js";
import { prFiles } from "../runs/pr-files.js";
import { diffLines } from "./diff-lines.js";
import { recordReviewFindings } from "./finding-ledger.js";
import { findOrCreate } from "./ledger-write.js";
import type { ReportContext } from "./report-context.js";

const REVIEW_KINDS = new Set(["review", "security", "tests"]);

interface PostedReview {
  readonly id: number;
  readonly body?: string | null;
}

/** Hidden in the review body: tells a restart that this phase's review (this attempt of it) is on the PR. */
export function reviewMarker(runId: string, phaseId: string, attempt: string): string {
  return `<!-- phasegate:review ${runId}/${phaseId}/${attempt} -->`;
}

/**
 * Posts one PR review per phase with `review`/`security`/`tests` steps once all of them finished (again after
 * a retry of one of them, with only new findings): inline comments on diff lines, the rest in the body, never
 * `APPROVE`. The findings posted are recorded for the PR so no later run repeats them. Cancelled runs post none.
 */
export async function syncReviews(c: ReportContext): Promise<void> {
  const { run } = c;
  if (run.status === "cancelled" || run.facts.number === null) return;
  for (const phase of run.plan.phases) {
    const ids = run.plan.steps
      .filter((p) => p.phaseId === phase.id && REVIEW_KINDS.has(p.kind))
      .map((p) => p.id);
    if (ids.length === 0) continue;
    if (!ids.every((id) => isTerminal(run.steps.get(id)?.status ?? "queued"))) continue;
    // Which attempt of the steps this review is about: a retry that finishes posts what is new.
    const attempt = ids.map((id) => run.steps.get(id)?.attempts ?? 0).join(".");
    const key = `review:${phase.id}`;
    const effect = await c.s.github.effect(run.id, key);
    if (effect?.state === "done" && effect.data?.attempt === attempt) continue;
    const pending = effect?.state === "pending" && effect.data?.attempt === attempt;
    const fingerprints = effect?.data?.fingerprints;
    const recorded = pending ? (Array.isArray(fingerprints) ? (fingerprints as string[]) : []) : null;
    await postReview(c, phase, key, attempt, recorded);
  }
}

async function postReview(
  c: ReportContext,
  phase: PhasePlan,
  key: string,
  attempt: string,
  /** The fingerprints a `pending` record says were being posted; null when nothing is pending. */
  pending: readonly string[] | null,
): Promise<void> {
  const { s, run } = c;
  const repo = run.facts.repo;
  const number = run.facts.number as number;
  const marker = reviewMarker(run.id, phase.id, attempt);
  if (pending) {
    // The process died while posting: the review may be on the PR already.
    const found = await findReview(c, marker);
    if (found) {
      const posted = new Set([...pending, ...fingerprintsIn(found.body ?? "")]);
      const again = reviewPayload(run, phase, () => new Set(), new Set());
      await s.github.addPostedFindings(repo, number, [...posted], s.now());
      await recordReviewFindings(
        s,
        run,
        (again?.entries ?? []).filter((e) => posted.has(e.fingerprint)),
        String(found.id),
      );
      await s.github.putEffect(
        run.id,
        key,
        { state: "done", githubId: String(found.id), data: { attempt } },
        s.now(),
      );
      return;
    }
  }
  const posted = await s.github.postedFingerprints(repo, number);
  // Nothing new to post: no need for the PR's files.
  const payload = reviewPayload(run, phase, () => new Set(), posted)
    ? reviewPayload(run, phase, diffLines(await prFiles(s, run)), posted)
    : null;
  if (!payload) {
    await s.github.putEffect(run.id, key, { state: "done", githubId: null, data: { attempt } }, s.now());
    return;
  }
  const record = (p: ReviewPayload, reviewId: number) =>
    recordReviewFindings(s, run, p.entries, String(reviewId));
  await findOrCreate<PostedReview>(
    c,
    {
      key,
      data: { attempt, fingerprints: payload.fingerprints },
      find: async () => {
        const found = await findReview(c, marker);
        if (found) await record(payload, found.id);
        return found;
      },
      create: async () => {
        try {
          const review = await submitReview(c, payload, marker);
          await record(payload, review.id);
          return review;
        } catch (err) {
          // GitHub refused an inline comment's line: post every finding in the body instead (one retry).
          if (httpStatus(err) !== 422 || payload.comments.length === 0) throw err;
          if (err instanceof GitHubWriteUncertainError) throw err;
          s.log.warn(
            { runId: run.id, phaseId: phase.id, err: (err as Error).message },
            "GitHub refused an inline review comment: posting the findings in the review body",
          );
          const inBody = reviewPayload(run, phase, () => new Set(), posted);
          if (!inBody) throw err;
          const review = await submitReview(c, inBody, marker);
          await record(inBody, review.id);
          return review;
        }
      },
      idOf: (r) => String(r.id),
    },
    false,
  );
}

async function submitReview(c: ReportContext, payload: ReviewPayload, marker: string): Promise<PostedReview> {
  // Only humans approve: whatever the payload says, the app comments or requests changes.
  const event = payload.event === "REQUEST_CHANGES" ? "REQUEST_CHANGES" : "COMMENT";
  const response = await c.octokit.request("POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews", {
    owner: c.owner,
    repo: c.repo,
    pull_number: c.run.facts.number as number,
    commit_id: payload.commit_id,
    event,
    body: `${payload.body}\n\n${marker}`,
    comments: payload.comments.map((cm) => ({ path: cm.path, line: cm.line, side: cm.side, body: cm.body })),
  });
  return response.data as PostedReview;
}

/** The review carrying `marker` that the app posted on the PR, if any. */
async function findReview(c: ReportContext, marker: string): Promise<PostedReview | null> {
  const reviews = (await c.octokit.paginate("GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews", {
    owner: c.owner,
    repo: c.repo,
    pull_number: c.run.facts.number as number,
    per_page: 100,
  })) as { id: number; body?: string | null; user?: { type?: string } | null }[];
  return reviews.find((r) => r.user?.type === "Bot" && (r.body ?? "").includes(marker)) ?? null;
}
