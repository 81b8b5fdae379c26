import { fingerprintsIn } from "../../core/findings/finding-fingerprint.js";
import type { JobRepo } from "../../core/webhooks/webhook-job.js";
import type { LedgerFinding } from "../../db/finding-store.js";
import type { AppServices, Octokit } from "../services.js";

interface ThreadNode {
  readonly id: string;
  readonly isResolved: boolean;
  readonly comments: {
    readonly nodes: readonly {
      readonly databaseId: number | null;
      readonly body: string;
      readonly author: { readonly __typename: string } | null;
    }[];
  };
}

interface ThreadsPage {
  readonly repository: {
    readonly pullRequest: {
      readonly reviewThreads: {
        readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
        readonly nodes: readonly ThreadNode[];
      };
    } | null;
  } | null;
}

const THREADS = `query($owner: String!, $name: String!, $number: Int!, $cursor: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes { id isResolved comments(first: 1) { nodes { databaseId body author { __typename } } } }
      }
    }
  }
}`;

const RESOLVE = `mutation($threadId: ID!) {
  resolveReviewThread(input: { threadId: $threadId }) { thread { id isResolved } }
}`;

/** The PR's review threads opened by the app, by the finding fingerprint their first comment carries. */
async function appThreads(
  octokit: Octokit,
  repo: JobRepo,
  number: number,
): Promise<Map<string, { id: string; isResolved: boolean; commentId: number | null }>> {
  const out = new Map<string, { id: string; isResolved: boolean; commentId: number | null }>();
  let cursor: string | null = null;
  for (let page = 0; page < 30; page++) {
    const data: ThreadsPage = await octokit.graphql(THREADS, {
      owner: repo.owner,
      name: repo.name,
      number,
      cursor,
    });
    const threads = data.repository?.pullRequest?.reviewThreads;
    if (!threads) break;
    for (const t of threads.nodes) {
      const first = t.comments.nodes[0];
      if (first?.author?.__typename !== "Bot") continue;
      for (const fp of fingerprintsIn(first.body)) {
        out.set(fp, { id: t.id, isResolved: t.isResolved, commentId: first.databaseId });
      }
    }
    if (!threads.pageInfo.hasNextPage) break;
    cursor = threads.pageInfo.endCursor;
  }
  return out;
}

/**
 * Resolves the review threads of findings a push addressed (GraphQL `resolveReviewThread`: REST has no call for
 * it), once each: a finding whose thread the app resolved is never resolved again. Threads are found by the
 * finding's marker in their first comment, written by a bot. A failure is logged; the judgement stays.
 */
export async function resolveThreads(
  s: AppServices,
  repo: JobRepo,
  number: number,
  findings: readonly LedgerFinding[],
): Promise<void> {
  const todo = findings.filter((f) => f.postedIn === "inline" && f.threadResolvedAt === null);
  if (todo.length === 0) return;
  try {
    const octokit = await s.octokit(repo.installationId);
    const threads = await appThreads(octokit, repo, number);
    for (const f of todo) {
      const thread = threads.get(f.fingerprint);
      if (!thread) continue;
      await s.findings.setLocation(repo.fullName, number, f.fingerprint, {
        threadId: thread.id,
        ...(thread.commentId !== null && { commentId: String(thread.commentId) }),
      });
      if (!thread.isResolved) await octokit.graphql(RESOLVE, { threadId: thread.id });
      await s.findings.markThreadResolved(repo.fullName, number, f.fingerprint, s.now());
    }
  } catch (err) {
    s.log.error({ err, repo: repo.fullName, number }, "resolving the threads of addressed findings failed");
  }
}
