import { fingerprintsIn } from "../../core/findings/finding-fingerprint.js";
import type { JobRepo } from "../../core/webhooks/webhook-job.js";
import type { AppServices } from "../services.js";
import { mayJudge, prPeople, recordJudgement, reevaluateGates } from "./judge.js";

interface ReviewComment {
  readonly id: number;
  readonly body?: string | null;
  readonly user?: { readonly type?: string } | null;
  readonly reactions?: { readonly "+1"?: number; readonly "-1"?: number } | null;
}

interface Reaction {
  readonly content: string;
  readonly created_at?: string;
  readonly user?: { readonly login?: string; readonly type?: string } | null;
}

/**
 * 👍 / 👎 on the app's inline comments, read once when the PR is closed or merged (spec "Judgements"): the PR's
 * review comments are listed once; who reacted is read only where a comment has 👍 or 👎; only people with write
 * access count (bots never), each as an explicit `useful`/`wrong` at the reaction's time, so a later reply still
 * wins. Nothing is read when the PR has no unread inline finding.
 */
export async function readReactionsOnce(s: AppServices, repo: JobRepo, number: number): Promise<void> {
  const ledger = await s.findings.forPr(repo.fullName, number);
  const unread = new Map(
    ledger
      .filter((f) => f.postedIn === "inline" && f.reactionsReadAt === null)
      .map((f) => [f.fingerprint, f]),
  );
  if (unread.size === 0) return;
  const octokit = await s.octokit(repo.installationId);
  const comments = (await octokit.paginate("GET /repos/{owner}/{repo}/pulls/{pull_number}/comments", {
    owner: repo.owner,
    repo: repo.name,
    pull_number: number,
    per_page: 100,
  })) as ReviewComment[];
  const people = await prPeople(s, repo, number);
  let anyApplied = false;
  for (const c of comments) {
    if (c.user?.type !== "Bot") continue;
    const finding = fingerprintsIn(c.body ?? "")
      .map((fp) => unread.get(fp))
      .find((f) => f !== undefined);
    if (!finding) continue;
    await s.findings.setLocation(repo.fullName, number, finding.fingerprint, { commentId: String(c.id) });
    if (!(c.reactions?.["+1"] || c.reactions?.["-1"])) continue;
    const reactions = (await octokit.paginate(
      "GET /repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions",
      {
        owner: repo.owner,
        repo: repo.name,
        comment_id: c.id,
        per_page: 100,
      },
    )) as Reaction[];
    const votes = reactions
      .filter((r) => (r.content === "+1" || r.content === "-1") && r.user?.login && r.user.type !== "Bot")
      .sort((a, b) => Date.parse(a.created_at ?? "") - Date.parse(b.created_at ?? ""));
    for (const r of votes) {
      const login = r.user?.login as string;
      if (!(await mayJudge(s, repo, login))) continue;
      const at = Date.parse(r.created_at ?? "");
      const result = await recordJudgement(
        s,
        repo,
        finding,
        {
          judgement: r.content === "+1" ? "useful" : "wrong",
          source: "reaction",
          actor: login,
          reason: null,
          at: Number.isFinite(at) ? at : s.now(),
        },
        people,
      );
      if (result?.applied) anyApplied = true;
    }
  }
  await reevaluateGates(s, repo, number, anyApplied);
  await s.findings.markReactionsRead(repo.fullName, number, [...unread.keys()], s.now());
}
