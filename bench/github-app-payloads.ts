import { createHmac } from "node:crypto";
import { createRequire } from "node:module";

export const OWNER = "acme";
export const REPO = "widgets";
export const INSTALLATION = 42;

interface Example {
  readonly name: string;
  readonly examples: readonly Record<string, unknown>[];
}
const examples = createRequire(import.meta.url)(
  "@octokit/webhooks-examples/api.github.com/index.json",
) as readonly Example[];

/**
 * GitHub's own example payload of `event`/`action` (@octokit/webhooks-examples), adapted: repository acme/widgets
 * (default branch main), installation 42; `patch` deep-merges over it. The tests' harness uses this one too.
 *
 * @example example("pull_request", "opened", { pull_request: { number: 7 } })
 */
export function example(event: string, action: string | null, patch: object = {}): Record<string, unknown> {
  const found = examples
    .find((e) => e.name === event)
    ?.examples.find((x) => action === null || x.action === action);
  if (!found) throw new Error(`no example payload for ${event}.${action}`);
  const payload = structuredClone(found) as Record<string, unknown>;
  const repository = (payload.repository ?? {}) as Record<string, unknown>;
  payload.repository = {
    ...repository,
    name: REPO,
    full_name: `${OWNER}/${REPO}`,
    default_branch: "main",
    owner: { ...((repository.owner as object) ?? {}), login: OWNER, type: "Organization" },
  };
  payload.installation = { id: INSTALLATION, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI=" };
  return merge(payload, patch);
}

function merge(base: Record<string, unknown>, patch: object): Record<string, unknown> {
  for (const [k, v] of Object.entries(patch)) {
    const current = base[k];
    base[k] =
      v &&
      typeof v === "object" &&
      !Array.isArray(v) &&
      current &&
      typeof current === "object" &&
      !Array.isArray(current)
        ? merge({ ...(current as Record<string, unknown>) }, v)
        : v;
  }
  return base;
}

const person = (login: string) => ({ login, id: 100 + login.length, type: "User" });

/** `pull_request.<action>` for PR `number` at `headSha`, opened by `author` (who also pushed). */
export function pullRequestEvent(
  action: "opened" | "synchronize",
  number: number,
  headSha: string,
  author: string,
): Record<string, unknown> {
  return example("pull_request", action, {
    number,
    pull_request: {
      number,
      draft: false,
      state: "open",
      labels: [],
      user: person(author),
      head: { sha: headSha, ref: `feature-${number}` },
      base: { ref: "main" },
    },
    sender: person(author),
  });
}

/** `pull_request_review.submitted`: `reviewer` approves `headSha`. */
export function approvalEvent(number: number, headSha: string, author: string, reviewer: string) {
  return example("pull_request_review", "submitted", {
    review: {
      state: "approved",
      commit_id: headSha,
      user: person(reviewer),
      submitted_at: new Date().toISOString(),
    },
    pull_request: {
      number,
      user: person(author),
      head: { sha: headSha, ref: `feature-${number}` },
      base: { ref: "main" },
    },
    sender: person(reviewer),
  });
}

/** `issue_comment.created` on PR `number` with `body`. */
export function commentEvent(number: number, commentId: number, body: string, author: string) {
  return example("issue_comment", "created", {
    issue: { number, pull_request: { url: `https://api.github.com/repos/${OWNER}/${REPO}/pulls/${number}` } },
    comment: { id: commentId, body, user: person(author), created_at: new Date().toISOString() },
    sender: person(author),
  });
}

/** `check_run.completed` of another app (CI) on `headSha`. */
export function foreignCheckRunEvent(headSha: string, id: number) {
  return example("check_run", "completed", {
    check_run: {
      id,
      head_sha: headSha,
      name: "ci / test",
      status: "completed",
      conclusion: "success",
      app: { id: 15368, slug: "github-actions" },
    },
    sender: person("ci-bot"),
  });
}

/** `X-Hub-Signature-256` of `body` as GitHub computes it. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}
