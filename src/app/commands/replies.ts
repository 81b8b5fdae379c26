import type { JobRepo } from "../../core/webhooks/webhook-job.js";
import type { AppServices } from "../services.js";

/**
 * Posts a short comment on the PR or issue. A reply that fails is logged, not retried: a missing reply must not
 * undo or repeat the command it answers.
 */
export async function reply(s: AppServices, repo: JobRepo, number: number, body: string): Promise<void> {
  try {
    const octokit = await s.octokit(repo.installationId);
    await octokit.rest.issues.createComment({
      owner: repo.owner,
      repo: repo.name,
      issue_number: number,
      body,
    });
  } catch (err) {
    s.log.error({ err, repo: repo.fullName, number }, "replying to a command failed");
  }
}

/** 👀 on the comment: its commands were read. */
export async function acknowledge(s: AppServices, repo: JobRepo, commentId: number): Promise<void> {
  try {
    const octokit = await s.octokit(repo.installationId);
    await octokit.rest.reactions.createForIssueComment({
      owner: repo.owner,
      repo: repo.name,
      comment_id: commentId,
      content: "eyes",
    });
  } catch (err) {
    s.log.warn({ err, repo: repo.fullName, commentId }, "adding the 👀 reaction failed");
  }
}
