import type { GateReview } from "../../core/gate-facts.js";
import type { RunState } from "../../core/run-state.js";
import { isBot } from "../../core/webhook-job.js";
import { recentPullRequest } from "../runs/github-subjects.js";
import type { AppServices } from "../services.js";

/** The PR or issue as GitHub has it now: never trusted from the webhook or the stored run. */
export interface ItemSnapshot {
  readonly headSha: string;
  readonly author: string;
  readonly open: boolean;
  readonly reviews: readonly GateReview[];
}

interface ApiReview {
  readonly user: { readonly login: string; readonly type?: string } | null;
  readonly state: string;
  readonly commit_id: string | null;
  readonly submitted_at?: string | null;
}

const DECISIONS = new Set(["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED"]);

function toReview(r: ApiReview): GateReview[] {
  if (!r.user || !DECISIONS.has(r.state)) return []; // pending reviews and deleted users decide nothing
  const submittedAt = r.submitted_at ? Date.parse(r.submitted_at) : 0;
  return [
    {
      login: r.user.login,
      state: r.state as GateReview["state"],
      commitId: r.commit_id ?? "",
      submittedAt: Number.isFinite(submittedAt) ? submittedAt : 0,
      bot: isBot(r.user),
    },
  ];
}

/**
 * A PR run's PR re-read from the API (head SHA, author, state) with every review (paginated). An issue run has no
 * reviews: its author is the issue's, its head the run's.
 */
export async function itemSnapshot(s: AppServices, run: RunState): Promise<ItemSnapshot> {
  const gh = run.facts.github;
  const number = run.facts.number;
  if (run.facts.source !== "pull_request" || !gh || number === null) {
    return { headSha: run.facts.headSha, author: run.facts.author ?? "", open: true, reviews: [] };
  }
  const octokit = await s.octokitFor(run);
  const repo = { owner: gh.owner, repo: gh.name, pull_number: number };
  // A read of the PR from the last few seconds (its run was just created) is as good as a new one.
  const recent = recentPullRequest(s, { owner: gh.owner, name: gh.name }, number);
  let pr: { headSha: string; author: string; state: string };
  if (recent) pr = recent;
  else {
    const { data } = await octokit.rest.pulls.get(repo);
    pr = { headSha: data.head.sha, author: data.user?.login ?? "", state: data.state };
  }
  const reviews = (await octokit.paginate(octokit.rest.pulls.listReviews, {
    ...repo,
    per_page: 100,
  })) as ApiReview[];
  return {
    headSha: pr.headSha,
    author: pr.author,
    open: pr.state === "open",
    reviews: reviews.flatMap(toReview),
  };
}
