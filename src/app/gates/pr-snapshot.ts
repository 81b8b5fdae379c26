import type { GateReview } from "../../core/gates/gate-facts.js";
import type { RunState } from "../../core/run/run-state.js";
import { isBot } from "../../core/webhooks/webhook-job.js";
import { recentPullRequest } from "../runs/github-subjects.js";
import type { AppServices } from "../services.js";

/** The PR or issue as GitHub has it now: never trusted from the webhook or the stored run. */
export interface ItemState {
  readonly headSha: string;
  readonly author: string;
  readonly open: boolean;
  /** Merged: its head SHA is the one that was merged, and no longer moves. */
  readonly merged: boolean;
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

/** The PR number and repository of a PR run on GitHub; null for an issue run. */
function pullOf(run: RunState) {
  const gh = run.facts.github;
  const number = run.facts.number;
  if (run.facts.source !== "pull_request" || !gh || number === null) return null;
  return { owner: gh.owner, repo: gh.name, pull_number: number };
}

/**
 * A PR run's PR re-read from the API (head SHA, author, state, merged). An issue run's author is the issue's,
 * its head the run's, and it counts as open.
 */
export async function itemState(s: AppServices, run: RunState): Promise<ItemState> {
  const pull = pullOf(run);
  if (!pull) return { headSha: run.facts.headSha, author: run.facts.author ?? "", open: true, merged: false };
  // A read of the PR from the last few seconds (its run was just created) is as good as a new one.
  const recent = recentPullRequest(s, { owner: pull.owner, name: pull.repo }, pull.pull_number);
  if (recent)
    return {
      headSha: recent.headSha,
      author: recent.author,
      open: recent.state === "open",
      merged: recent.merged,
    };
  const { data } = await (await s.octokitFor(run)).rest.pulls.get(pull);
  return {
    headSha: data.head.sha,
    author: data.user?.login ?? "",
    open: data.state === "open",
    merged: data.merged === true,
  };
}

/** Every review of a PR run's PR (paginated); an issue run has none. */
export async function itemReviews(s: AppServices, run: RunState): Promise<GateReview[]> {
  const pull = pullOf(run);
  if (!pull) return [];
  const octokit = await s.octokitFor(run);
  const reviews = (await octokit.paginate(octokit.rest.pulls.listReviews, {
    ...pull,
    per_page: 100,
  })) as ApiReview[];
  return reviews.flatMap(toReview);
}
