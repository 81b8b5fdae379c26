/**
 * What a webhook asks the app to do, translated from GitHub's payload into a small plain job: stored with the
 * delivery (so a restart finishes it) and processed by the job handlers in `src/app/jobs/`. Pure: no I/O.
 */

/** The repository a job is about, with what the handlers need to act on it. */
export interface JobRepo {
  readonly owner: string;
  readonly name: string;
  /** `owner/name`, as runs store it. */
  readonly fullName: string;
  readonly installationId: number;
  readonly defaultBranch: string;
}

export type PullRequestAction =
  | "opened"
  | "reopened"
  | "synchronize"
  | "ready_for_review"
  | "labeled"
  | "unlabeled"
  | "closed";

export type Job =
  | {
      readonly type: "pull_request";
      readonly repo: JobRepo;
      readonly action: PullRequestAction;
      readonly number: number;
      readonly headSha: string;
      readonly merged: boolean;
      /** The label added or removed (`labeled` / `unlabeled`). */
      readonly label: string | null;
      /** Who caused the event: on `synchronize` the pusher, whose approval never counts. */
      readonly sender: string;
    }
  | {
      readonly type: "issue";
      readonly repo: JobRepo;
      readonly action: "opened" | "labeled";
      readonly number: number;
      readonly label: string | null;
      readonly sender: string;
    }
  | {
      readonly type: "comment";
      readonly repo: JobRepo;
      readonly number: number;
      readonly isPullRequest: boolean;
      readonly commentId: number;
      readonly body: string;
      readonly author: string;
      /** Epoch ms of the comment's creation. */
      readonly at: number;
    }
  | { readonly type: "review"; readonly repo: JobRepo; readonly number: number }
  /** A reply to an inline review comment: `/agents useful` or `/agents wrong [reason]` judges the app's finding. */
  | {
      readonly type: "review_comment";
      readonly repo: JobRepo;
      readonly number: number;
      readonly commentId: number;
      /** The comment replied to (the thread's first comment). */
      readonly inReplyTo: number;
      readonly body: string;
      readonly author: string;
      readonly at: number;
    }
  /** A review thread resolved by a person: `addressed` or `dismissed` for the app's finding that opened it. */
  | {
      readonly type: "review_thread";
      readonly repo: JobRepo;
      readonly number: number;
      /** The thread's GraphQL node id. */
      readonly threadId: string;
      /** The thread's first comment: the app's finding when it carries its marker and a bot wrote it. */
      readonly firstCommentId: number;
      readonly firstCommentBody: string;
      readonly firstCommentByBot: boolean;
      readonly sender: string;
      readonly at: number;
    }
  | {
      readonly type: "check_run_rerequested";
      readonly repo: JobRepo;
      readonly externalId: string;
      readonly sender: string;
    }
  | {
      readonly type: "check_run_action";
      readonly repo: JobRepo;
      readonly externalId: string;
      readonly identifier: string;
      readonly sender: string;
      readonly at: number;
    }
  /** A check run or commit status of another app changed on `sha`: `checks` steps waiting on it look again. */
  | { readonly type: "checks_changed"; readonly repo: JobRepo; readonly sha: string }
  | {
      readonly type: "check_suite_rerequested";
      readonly repo: JobRepo;
      readonly headSha: string;
      readonly sender: string;
    }
  | {
      readonly type: "deployment_status";
      readonly repo: JobRepo;
      readonly deploymentId: number;
      readonly state: string;
      readonly description: string | null;
      /** `payload.phasegate_run` of the deployment: only deployments we created have it. */
      readonly runId: string;
    }
  | {
      readonly type: "merge_group";
      readonly repo: JobRepo;
      readonly headSha: string;
      readonly headRef: string;
      readonly baseSha: string;
    }
  | {
      readonly type: "deployment_protection_rule";
      readonly repo: JobRepo;
      readonly environment: string;
      readonly sha: string;
      readonly callbackUrl: string;
    };

export type JobType = Job["type"];

/** A translation result: a job, or why the webhook needs nothing from us (logged at debug level). */
export type Translation = { readonly job: Job } | { readonly ignored: string };

type Payload = Record<string, unknown>;

const PR_ACTIONS = new Set<string>([
  "opened",
  "reopened",
  "synchronize",
  "ready_for_review",
  "labeled",
  "unlabeled",
  "closed",
]);

function obj(v: unknown): Payload | null {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Payload) : null;
}
function str(v: unknown): string | null {
  return typeof v === "string" ? v : null;
}
function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}
function path(p: unknown, ...keys: string[]): unknown {
  let v: unknown = p;
  for (const k of keys) v = obj(v)?.[k];
  return v;
}
function time(v: unknown, fallback: number): number {
  const t = typeof v === "string" ? Date.parse(v) : Number.NaN;
  return Number.isFinite(t) ? t : fallback;
}

/** Bots never drive a run: their comments, clicks and pushes are ignored (including our own). */
export function isBot(user: unknown): boolean {
  const login = str(path(user, "login")) ?? "";
  return str(path(user, "type")) === "Bot" || login.endsWith("[bot]");
}

function repoOf(payload: Payload): JobRepo | null {
  const owner = str(path(payload, "repository", "owner", "login"));
  const name = str(path(payload, "repository", "name"));
  const installationId = num(path(payload, "installation", "id"));
  const defaultBranch = str(path(payload, "repository", "default_branch"));
  if (!owner || !name || installationId === null || !defaultBranch) return null;
  return { owner, name, fullName: `${owner}/${name}`, installationId, defaultBranch };
}

/**
 * The job a webhook stands for, or why it needs none. `appId` tells our own check runs from other apps'.
 * Malformed payloads are ignored with a reason, never thrown on.
 *
 * @example webhookJob("pull_request", payload, 42) // { job: { type: "pull_request", action: "opened", … } }
 */
export function webhookJob(event: string, input: unknown, appId: number, now: number): Translation {
  const payload = obj(input);
  if (!payload) return { ignored: "payload is not an object" };
  const repo = repoOf(payload);
  if (!repo) return { ignored: "no repository or installation in the payload" };
  const action = str(payload.action);
  const sender = str(path(payload, "sender", "login")) ?? "";
  const senderBot = isBot(payload.sender);

  switch (event) {
    case "pull_request": {
      if (!action || !PR_ACTIONS.has(action)) return { ignored: `pull_request.${action} is not used` };
      const number = num(path(payload, "pull_request", "number"));
      const headSha = str(path(payload, "pull_request", "head", "sha"));
      if (number === null || !headSha) return { ignored: "pull_request without number or head" };
      return {
        job: {
          type: "pull_request",
          repo,
          action: action as PullRequestAction,
          number,
          headSha,
          merged: path(payload, "pull_request", "merged") === true,
          label: str(path(payload, "label", "name")),
          sender,
        },
      };
    }
    case "issues": {
      if (action !== "opened" && action !== "labeled") return { ignored: `issues.${action} is not used` };
      if (obj(path(payload, "issue", "pull_request"))) return { ignored: "an issue event about a PR" };
      const number = num(path(payload, "issue", "number"));
      if (number === null) return { ignored: "issue without number" };
      const label = str(path(payload, "label", "name"));
      return { job: { type: "issue", repo, action, number, label, sender } };
    }
    case "issue_comment": {
      if (action !== "created") return { ignored: `issue_comment.${action}: only new comments are read` };
      if (isBot(path(payload, "comment", "user"))) return { ignored: "a comment by a bot" };
      const number = num(path(payload, "issue", "number"));
      const commentId = num(path(payload, "comment", "id"));
      const author = str(path(payload, "comment", "user", "login"));
      const body = str(path(payload, "comment", "body")) ?? "";
      if (number === null || commentId === null || !author)
        return { ignored: "comment without issue or user" };
      return {
        job: {
          type: "comment",
          repo,
          number,
          isPullRequest: obj(path(payload, "issue", "pull_request")) !== null,
          commentId,
          body,
          author,
          at: time(path(payload, "comment", "created_at"), now),
        },
      };
    }
    case "pull_request_review": {
      if (action !== "submitted" && action !== "dismissed")
        return { ignored: `pull_request_review.${action} is not used` };
      // A bot's review never counts for a gate (our own PR reviews come back as these events too).
      if (isBot(path(payload, "review", "user")) || senderBot) return { ignored: "a review by a bot" };
      const number = num(path(payload, "pull_request", "number"));
      if (number === null) return { ignored: "review without a PR number" };
      return { job: { type: "review", repo, number } };
    }
    case "pull_request_review_comment": {
      if (action !== "created") return { ignored: `pull_request_review_comment.${action} is not used` };
      if (isBot(path(payload, "comment", "user")) || senderBot)
        return { ignored: "a review comment by a bot" };
      const inReplyTo = num(path(payload, "comment", "in_reply_to_id"));
      if (inReplyTo === null) return { ignored: "a review comment that is not a reply" };
      const number = num(path(payload, "pull_request", "number"));
      const commentId = num(path(payload, "comment", "id"));
      const author = str(path(payload, "comment", "user", "login"));
      if (number === null || commentId === null || !author)
        return { ignored: "review comment without PR, id or user" };
      return {
        job: {
          type: "review_comment",
          repo,
          number,
          commentId,
          inReplyTo,
          body: str(path(payload, "comment", "body")) ?? "",
          author,
          at: time(path(payload, "comment", "created_at"), now),
        },
      };
    }
    case "pull_request_review_thread": {
      if (action !== "resolved") return { ignored: `pull_request_review_thread.${action} is not used` };
      // The app resolves threads itself after a push addressed them: that is not a judgement.
      if (senderBot) return { ignored: "a thread resolved by a bot" };
      const number = num(path(payload, "pull_request", "number"));
      const threadId = str(path(payload, "thread", "node_id"));
      const comments = path(payload, "thread", "comments");
      const first = Array.isArray(comments) ? obj(comments[0]) : null;
      const firstCommentId = num(first?.id);
      if (number === null || !threadId || !first || firstCommentId === null)
        return { ignored: "review thread without PR, id or comments" };
      return {
        job: {
          type: "review_thread",
          repo,
          number,
          threadId,
          firstCommentId,
          firstCommentBody: str(first.body) ?? "",
          firstCommentByBot: isBot(first.user),
          sender,
          at: now,
        },
      };
    }
    case "check_run": {
      const ours = num(path(payload, "check_run", "app", "id")) === appId;
      const externalId = str(path(payload, "check_run", "external_id")) ?? "";
      if (action === "completed" && !ours) {
        const sha = str(path(payload, "check_run", "head_sha"));
        return sha ? { job: { type: "checks_changed", repo, sha } } : { ignored: "check run without SHA" };
      }
      if (!ours) return { ignored: "another app's check run" };
      if (senderBot) return { ignored: "a click by a bot" };
      if (action === "rerequested")
        return { job: { type: "check_run_rerequested", repo, externalId, sender } };
      if (action === "requested_action") {
        const identifier = str(path(payload, "requested_action", "identifier"));
        if (!identifier) return { ignored: "requested_action without identifier" };
        return { job: { type: "check_run_action", repo, externalId, identifier, sender, at: now } };
      }
      return { ignored: `check_run.${action} of our own check` };
    }
    case "status": {
      const sha = str(payload.sha);
      return sha ? { job: { type: "checks_changed", repo, sha } } : { ignored: "status without SHA" };
    }
    case "check_suite": {
      if (action !== "rerequested") return { ignored: `check_suite.${action} is not used` };
      if (num(path(payload, "check_suite", "app", "id")) !== appId) return { ignored: "another app's suite" };
      if (senderBot) return { ignored: "a re-run by a bot" };
      const headSha = str(path(payload, "check_suite", "head_sha"));
      return headSha
        ? { job: { type: "check_suite_rerequested", repo, headSha, sender } }
        : { ignored: "check suite without SHA" };
    }
    case "deployment_status": {
      const runId = str(path(payload, "deployment", "payload", "phasegate_run"));
      if (!runId) return { ignored: "a deployment phasegate did not create" };
      const deploymentId = num(path(payload, "deployment", "id"));
      const state = str(path(payload, "deployment_status", "state"));
      if (deploymentId === null || !state) return { ignored: "deployment status without id or state" };
      const description = str(path(payload, "deployment_status", "description"));
      return { job: { type: "deployment_status", repo, deploymentId, state, description, runId } };
    }
    case "merge_group": {
      if (action !== "checks_requested") return { ignored: `merge_group.${action} is not used` };
      const headSha = str(path(payload, "merge_group", "head_sha"));
      const headRef = str(path(payload, "merge_group", "head_ref"));
      const baseSha = str(path(payload, "merge_group", "base_sha"));
      if (!headSha || !headRef || !baseSha) return { ignored: "merge group without head or base" };
      return { job: { type: "merge_group", repo, headSha, headRef, baseSha } };
    }
    case "deployment_protection_rule": {
      if (action !== "requested") return { ignored: `deployment_protection_rule.${action} is not used` };
      const environment = str(payload.environment);
      const callbackUrl = str(payload.deployment_callback_url);
      const sha = str(path(payload, "deployment", "sha"));
      if (!environment || !callbackUrl || !sha)
        return { ignored: "protection rule without environment, SHA or callback" };
      return { job: { type: "deployment_protection_rule", repo, environment, sha, callbackUrl } };
    }
    default:
      return { ignored: `${event} is not used` };
  }
}

/**
 * Jobs with the same key run one after another (in delivery order); different keys run in parallel. A PR's
 * events share its key, so `opened` is handled before the `synchronize` that follows it.
 */
export function jobKey(job: Job): string {
  const repo = job.repo.fullName;
  switch (job.type) {
    case "pull_request":
    case "issue":
    case "comment":
    case "review":
    case "review_comment":
    case "review_thread":
      return `${repo}#${job.number}`;
    case "checks_changed":
      return `${repo}@${job.sha}`;
    case "check_suite_rerequested":
    case "merge_group":
      return `${repo}@${job.headSha}`;
    case "deployment_status":
      return `run:${job.runId}`;
    case "deployment_protection_rule":
      return `${repo}@${job.sha}`;
    case "check_run_rerequested":
    case "check_run_action":
      return `check:${job.externalId.split("/")[0]}`;
  }
}
