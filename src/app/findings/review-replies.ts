import { parseSlashCommands } from "../../core/webhooks/slash-command.js";
import type { LedgerFinding } from "../../db/finding-store.js";
import type { JobOf } from "../jobs/job-types.js";
import type { AppServices } from "../services.js";
import { findingIn, mayJudge, prPeople, recordJudgement, reevaluateGates } from "./judge.js";

/** Replies in the thread of an inline comment (`POST …/comments/{id}/replies`); a failed reply is logged. */
async function replyInThread(s: AppServices, job: JobOf<"review_comment">, body: string): Promise<void> {
  try {
    const octokit = await s.octokit(job.repo.installationId);
    await octokit.request("POST /repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies", {
      owner: job.repo.owner,
      repo: job.repo.name,
      pull_number: job.number,
      comment_id: job.inReplyTo,
      body,
    });
  } catch (err) {
    s.log.error({ err, repo: job.repo.fullName, number: job.number }, "replying to a judgement failed");
  }
}

/** The app's inline comment a reply answers: from the ledger, else read once from GitHub (and remembered). */
async function repliedFinding(s: AppServices, job: JobOf<"review_comment">): Promise<LedgerFinding | null> {
  const known = await s.findings.byComment(job.repo.fullName, String(job.inReplyTo));
  if (known) return known;
  const octokit = await s.octokit(job.repo.installationId);
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/pulls/comments/{comment_id}", {
    owner: job.repo.owner,
    repo: job.repo.name,
    comment_id: job.inReplyTo,
  });
  const parent = data as { body?: string | null; user?: { type?: string } | null };
  // Anyone can type a marker: only the app's (a bot's) comment counts, and only for a finding in our ledger.
  if (parent.user?.type !== "Bot") return null;
  const finding = await findingIn(s, job.repo, job.number, parent.body ?? "");
  if (finding) {
    await s.findings.setLocation(job.repo.fullName, job.number, finding.fingerprint, {
      commentId: String(job.inReplyTo),
    });
  }
  return finding;
}

function judgedText(actor: string, finding: LedgerFinding, clears: boolean, author: boolean): string {
  const teaches = `It teaches \`${finding.persona}\` (${finding.model}) on \`${finding.taskType}\` findings.`;
  if (finding.state === "useful") return `@${actor}: recorded as **useful**. ${teaches}`;
  const stays = clears
    ? "It no longer counts toward `fail_on` on this pull request."
    : author
      ? "It still counts toward `fail_on` here: nobody clears their own pull request's findings."
      : "";
  return `@${actor}: recorded as **wrong**${finding.reason ? ` (${finding.reason.slice(0, 200)})` : ""}. It will not be posted again on this pull request. ${stays} ${teaches}`
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * `/agents useful` or `/agents wrong [reason]` as a reply to one of the app's inline comments (spec
 * "Judgements"): only from a person with write access, checked now; anyone else gets no judgement and no reply.
 * The judgement is recorded and audited, and answered in the thread.
 */
export async function judgeByReply(s: AppServices, job: JobOf<"review_comment">): Promise<void> {
  const people = await prPeople(s, job.repo, job.number);
  const command = parseSlashCommands(job.body, people.prefix).find(
    (c) => c.type === "useful" || c.type === "wrong",
  );
  if (!command) return;
  if (!(await mayJudge(s, job.repo, job.author))) {
    s.log.info({ actor: job.author, repo: job.repo.fullName }, "judgement ignored: no write access");
    return;
  }
  const finding = await repliedFinding(s, job);
  if (!finding) {
    await replyInThread(
      s,
      job,
      `@${job.author}: \`${people.prefix} ${command.type}\` judges one of phasegate's findings: reply to the inline comment of one.`,
    );
    return;
  }
  const result = await recordJudgement(
    s,
    job.repo,
    finding,
    {
      judgement: command.type === "useful" ? "useful" : "wrong",
      source: "reply",
      actor: job.author,
      reason: command.type === "wrong" ? command.reason : null,
      at: job.at,
    },
    people,
  );
  if (!result) return;
  await reevaluateGates(s, job.repo, job.number, result.applied);
  const own = [people.author, people.lastPusher].some((p) => p?.toLowerCase() === job.author.toLowerCase());
  await replyInThread(s, job, judgedText(job.author, result.finding, result.finding.clears, own));
}

/**
 * A review thread resolved by a person with write access: the app's finding that opened it is `addressed` when a
 * push changed the flagged code since it was posted, else `dismissed` (unless someone judged it explicitly).
 * Silent: resolving a thread needs no answer.
 */
export async function judgeByThread(s: AppServices, job: JobOf<"review_thread">): Promise<void> {
  if (!job.firstCommentByBot) return;
  const finding = await findingIn(s, job.repo, job.number, job.firstCommentBody);
  if (!finding) return;
  await s.findings.setLocation(job.repo.fullName, job.number, finding.fingerprint, {
    commentId: String(job.firstCommentId),
    threadId: job.threadId,
  });
  if (!(await mayJudge(s, job.repo, job.sender))) {
    s.log.info(
      { actor: job.sender, repo: job.repo.fullName },
      "thread resolution not judged: no write access",
    );
    return;
  }
  const people = await prPeople(s, job.repo, job.number);
  const result = await recordJudgement(
    s,
    job.repo,
    finding,
    {
      judgement: finding.codeChangedAt !== null ? "addressed" : "dismissed",
      source: "thread",
      actor: job.sender,
      reason: null,
      at: job.at,
    },
    people,
  );
  await reevaluateGates(s, job.repo, job.number, result?.applied ?? false);
}
