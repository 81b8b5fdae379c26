import nock from "nock";
import { afterEach, describe, expect, test } from "vitest";
import { fingerprintsIn } from "../../../src/core/findings/finding-fingerprint.js";
import { serve } from "../../helpers/serve-handler.js";
import { NEW_HEAD, PATCH_V1 } from "../e2e-fixtures.js";
import { API, APP_DATABASES, example, R } from "../harness.js";
import {
  AUTHOR,
  appComment,
  BOT,
  bootLearning,
  HEAD,
  type LearningFlow,
  LOG_COMMENT,
  ledger,
  mockPermission,
  PATCH_MOVED,
  PATCH_TODO_FIXED,
  PR,
  problems,
  push,
  REPO_NAME,
  replyEvent,
  reviewYaml,
  seedJudged,
  since,
  TODO_COMMENT,
  threadResolvedEvent,
  tick,
} from "./learning-fixtures.js";

let flow: LearningFlow | undefined;
afterEach(async () => {
  const seen = flow ? problems(flow.h) : [];
  await flow?.h.stop();
  flow = undefined;
  nock.cleanAll();
  expect(seen).toEqual([]);
});

type Comment = { path: string; line: number; body: string };
const commentsOf = (review: Record<string, unknown> | undefined) => (review?.comments ?? []) as Comment[];
const bodyOf = (review: Record<string, unknown> | undefined) => String(review?.body ?? "");

/** Opens the PR: the review posts console.log (line 2) and the TODO (line 3) inline. */
async function opened(f: LearningFlow): Promise<{ log: Comment; todo: Comment }> {
  await push(f, reviewYaml(), PATCH_V1);
  const comments = commentsOf(f.reviews[0]);
  expect(comments.map((c) => [c.path, c.line])).toEqual([
    ["src/app.ts", 2],
    ["src/app.ts", 3],
  ]);
  since(f);
  return { log: comments[0] as Comment, todo: comments[1] as Comment };
}

describe.each(APP_DATABASES)("findings that learn (%s)", (database) => {
  test("a reader's `/agents wrong` changes nothing and gets no reply; a writer's is recorded, answered, and the finding never comes back after a push", async () => {
    flow = await bootLearning(database);
    const f = flow;
    const { log } = await opened(f);

    // dave can only read: his permission is read, nothing else happens.
    tick(f);
    mockPermission("dave", "read");
    await f.h.receiveSigned(
      "pull_request_review_comment",
      replyEvent(f, "dave", LOG_COMMENT, "/agents wrong"),
    );
    expect(since(f)).toEqual([`GET ${R}/collaborators/dave/permission`]);
    expect((await ledger(f)).map((r) => r.state)).toEqual(["open", "open"]);
    expect(await f.h.services.findings.judgementsFor(REPO_NAME, PR)).toEqual([]);

    // carol (write, neither author nor pusher): judged wrong, answered in the thread.
    tick(f);
    mockPermission("carol", "write");
    nock(API).get(`${R}/pulls/comments/${LOG_COMMENT}`).reply(200, appComment(LOG_COMMENT, log.body));
    let replied: unknown;
    nock(API)
      .post(`${R}/pulls/${PR}/comments/${LOG_COMMENT}/replies`)
      .reply(async (req: Request) => {
        const b = (await req.json()) as unknown;
        replied = b;
        return [201, { id: 6100 }];
      });
    await f.h.receiveSigned(
      "pull_request_review_comment",
      replyEvent(f, "carol", LOG_COMMENT, "/agents wrong the logger is configured here", 6001),
    );
    expect(since(f)).toEqual([
      `GET ${R}/collaborators/carol/permission`,
      `GET ${R}/pulls/comments/${LOG_COMMENT}`,
      `POST ${R}/pulls/${PR}/comments/${LOG_COMMENT}/replies`,
    ]);
    expect(replied).toEqual({
      body: "@carol: recorded as **wrong** (the logger is configured here). It will not be posted again on this pull request. It no longer counts toward `fail_on` on this pull request. It teaches `reviewer` (gpt-4o-mini) on `ts` findings.",
    });
    expect(await ledger(f)).toEqual([
      { title: "Debug leftover: console.log", state: "wrong", by: "carol", postedIn: "inline", clears: true },
      { title: "TODO added", state: "open", by: null, postedIn: "inline", clears: false },
    ]);
    const judgements = await f.h.services.findings.judgementsFor(REPO_NAME, PR);
    expect(judgements).toEqual([
      {
        fingerprint: fingerprintsIn(log.body)[0],
        judgement: "wrong",
        source: "reply",
        actor: "carol",
        reason: "the logger is configured here",
        applied: true,
        at: f.clock.t,
      },
    ]);
    const [runId] = await f.h.services.github.runIdsFor(REPO_NAME, PR);
    const audit = await f.h.services.store.listAudit(runId as string);
    expect(audit.filter((a) => a.action.startsWith("judge"))).toEqual([
      {
        runId,
        at: f.clock.t,
        actor: "carol",
        action: "judge-wrong",
        stepId: "code-review",
        sha: HEAD,
        reason: `reply: src/app.ts:2 "Debug leftover: console.log" (${fingerprintsIn(log.body)[0]}) · the logger is configured here`,
      },
    ]);

    // `/agents status` and `/metrics` count the PR's findings by state, and the judgement.
    tick(f);
    let status: unknown;
    nock(API)
      .post(`${R}/issues/comments/801/reactions`)
      .reply(201, {})
      .post(`${R}/issues/${PR}/comments`)
      .reply(async (req: Request) => {
        status = await req.json();
        return [201, { id: 2 }];
      });
    await f.h.receiveSigned(
      "issue_comment",
      example("issue_comment", "created", {
        issue: { number: PR, pull_request: { url: `${API}${R}/pulls/${PR}` } },
        comment: { id: 801, body: "/agents status", user: { login: "dave", type: "User" } },
        sender: { login: "dave", type: "User" },
      }),
    );
    expect(String((status as { body?: string })?.body)).toMatch(
      /\n\nFindings: open 1 · useful 0 · wrong 1 · addressed 0 · dismissed 0$/,
    );
    const server = await serve(f.h.http);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    await server.close();
    expect(text).toContain('phasegate_findings{state="wrong"} 1\n');
    expect(text).toContain('phasegate_findings{state="open"} 1\n');
    expect(text).toContain(
      'phasegate_finding_judgements{judgement="wrong",source="reply",applied="true"} 1\n',
    );
    since(f);

    // The next push moves both lines down and adds a debugger: only the debugger is posted.
    tick(f);
    await push(f, reviewYaml(), PATCH_MOVED, { action: "synchronize", head: NEW_HEAD });
    expect(f.reviews).toHaveLength(2);
    expect(commentsOf(f.reviews[1]).map((c) => [c.line, c.body.split("\n")[0]])).toEqual([
      [5, "**[medium] Debug leftover: debugger statement** · `code-review`"],
    ]);
    expect(bodyOf(f.reviews[1])).toMatch(/: 1 new finding \(1 medium\), 1 inline, 0 below\./);
    // Nothing was addressed (the flagged code only moved): no thread was resolved.
    expect(since(f).filter((r) => r.includes("graphql"))).toEqual([]);
    expect((await ledger(f)).map((r) => [r.title, r.state])).toEqual([
      ["Debug leftover: console.log", "wrong"],
      ["Debug leftover: debugger statement", "open"],
      ["TODO added", "open"],
    ]);
  });

  test("a thread resolved without a code change is `dismissed`; a push that fixes the line is `addressed` and its thread resolved once; the app's own resolution judges nothing", async () => {
    flow = await bootLearning(database);
    const f = flow;
    const { log, todo } = await opened(f);

    tick(f);
    mockPermission("carol", "write");
    await f.h.receiveSigned(
      "pull_request_review_thread",
      threadResolvedEvent({ login: "carol", type: "User" }, "PRRT_log", { id: LOG_COMMENT, body: log.body }),
    );
    expect(since(f)).toEqual([`GET ${R}/collaborators/carol/permission`]);
    expect((await ledger(f)).map((r) => [r.title, r.state, r.by])).toEqual([
      ["Debug leftover: console.log", "dismissed", "carol"],
      ["TODO added", "open", null],
    ]);

    // The author pushes a fix for the TODO (console.log stays, one line lower).
    tick(f);
    const graphql: { query: string; variables: Record<string, unknown> }[] = [];
    nock(API)
      .post("/graphql")
      .times(2)
      .reply(async (request: Request) => {
        const req = (await request.json()) as { query: string; variables: Record<string, unknown> };
        graphql.push(req);
        if (req.query.includes("resolveReviewThread")) {
          return [200, { data: { resolveReviewThread: { thread: { id: "PRRT_todo", isResolved: true } } } }];
        }
        return [
          200,
          {
            data: {
              repository: {
                pullRequest: {
                  reviewThreads: {
                    pageInfo: { hasNextPage: false, endCursor: null },
                    nodes: [
                      {
                        id: "PRRT_log",
                        isResolved: true,
                        comments: {
                          nodes: [{ databaseId: LOG_COMMENT, body: log.body, author: { __typename: "Bot" } }],
                        },
                      },
                      {
                        id: "PRRT_todo",
                        isResolved: false,
                        comments: {
                          nodes: [
                            { databaseId: TODO_COMMENT, body: todo.body, author: { __typename: "Bot" } },
                          ],
                        },
                      },
                      {
                        id: "PRRT_human",
                        isResolved: false,
                        comments: {
                          nodes: [{ databaseId: 7, body: todo.body, author: { __typename: "User" } }],
                        },
                      },
                    ],
                  },
                },
              },
            },
          },
        ];
      });
    await push(f, reviewYaml(), PATCH_TODO_FIXED, { action: "synchronize", head: NEW_HEAD, review: false });
    expect(graphql.map((g) => g.variables)).toEqual([
      { owner: "acme", name: "widgets", number: PR, cursor: null },
      { threadId: "PRRT_todo" },
    ]);
    expect(since(f).filter((r) => r.startsWith("POST"))).toEqual(["POST /graphql", "POST /graphql"]);
    // console.log was dismissed and is not posted again; nothing else is new: no review.
    expect(f.reviews).toHaveLength(1);
    expect((await ledger(f)).map((r) => [r.title, r.state, r.by])).toEqual([
      ["Debug leftover: console.log", "dismissed", "carol"],
      ["TODO added", "addressed", "Codertocat"],
    ]);
    const todoRow = (await f.h.services.findings.forPr(REPO_NAME, PR)).find((r) => r.title === "TODO added");
    expect([todoRow?.threadId, todoRow?.threadResolvedAt]).toEqual(["PRRT_todo", f.clock.t]);

    // GitHub tells us the app resolved the thread: a bot's resolution judges nothing and reads nothing.
    tick(f);
    await f.h.receiveSigned(
      "pull_request_review_thread",
      threadResolvedEvent(BOT, "PRRT_todo", { id: TODO_COMMENT, body: todo.body }),
    );
    expect(since(f)).toEqual([]);
    expect(
      (await f.h.services.findings.judgementsFor(REPO_NAME, PR)).map((j) => [j.judgement, j.source, j.actor]),
    ).toEqual([
      ["dismissed", "thread", "carol"],
      ["addressed", "push", "Codertocat"],
    ]);
  });

  test("👍/👎 are read once when the PR is merged, and only writers' count", async () => {
    flow = await bootLearning(database);
    const f = flow;
    const { log, todo } = await opened(f);

    tick(f);
    nock(API)
      .get(`${R}/pulls/${PR}`)
      .reply(200, {
        number: PR,
        state: "closed",
        merged: true,
        head: { sha: HEAD },
        base: { ref: "main" },
        user: { login: "Codertocat" },
        labels: [],
        draft: false,
      });
    nock(API)
      .get(`${R}/pulls/${PR}/comments`)
      .query({ per_page: "100" })
      .reply(200, [
        appComment(LOG_COMMENT, log.body, { up: 1, down: 1 }),
        appComment(TODO_COMMENT, todo.body),
        // A person's comment carrying a copied marker and reactions is never read.
        { ...appComment(7, log.body, { down: 3 }), user: { login: "mallory", type: "User" } },
      ]);
    nock(API)
      .get(`${R}/pulls/comments/${LOG_COMMENT}/reactions`)
      .query({ per_page: "100" })
      .reply(200, [
        {
          content: "-1",
          created_at: new Date(f.clock.t - 5000).toISOString(),
          user: { login: "dave", type: "User" },
        },
        {
          content: "+1",
          created_at: new Date(f.clock.t - 4000).toISOString(),
          user: { login: "carol", type: "User" },
        },
        {
          content: "-1",
          created_at: new Date(f.clock.t - 3000).toISOString(),
          user: { login: "helper[bot]", type: "Bot" },
        },
      ]);
    mockPermission("dave", "read");
    mockPermission("carol", "write");
    const closed = { pull_request: { merged: true, state: "closed" } };
    const event = (await import("../e2e-fixtures.js")).prEvent("closed");
    await f.h.receiveSigned("pull_request", {
      ...event,
      pull_request: { ...(event.pull_request as object), ...closed.pull_request },
    });
    expect(since(f)).toEqual([
      `GET ${R}/collaborators/carol/permission`,
      `GET ${R}/collaborators/dave/permission`,
      `GET ${R}/pulls/${PR}`,
      `GET ${R}/pulls/${PR}/comments?per_page=100`,
      `GET ${R}/pulls/comments/${LOG_COMMENT}/reactions?per_page=100`,
    ]);
    expect((await ledger(f)).map((r) => [r.title, r.state, r.by])).toEqual([
      ["Debug leftover: console.log", "useful", "carol"],
      ["TODO added", "open", null],
    ]);
    expect(
      (await f.h.services.findings.judgementsFor(REPO_NAME, PR)).map((j) => [
        j.judgement,
        j.source,
        j.actor,
        j.at,
      ]),
    ).toEqual([["useful", "reaction", "carol", f.clock.t - 4000]]);

    // Closed again (a redelivery, or reopened and closed): the reactions are not read again.
    tick(f);
    nock(API)
      .get(`${R}/pulls/${PR}`)
      .reply(200, {
        number: PR,
        state: "closed",
        merged: true,
        head: { sha: HEAD },
        base: { ref: "main" },
        user: { login: "Codertocat" },
        labels: [],
        draft: false,
      });
    await f.h.receiveSigned("pull_request", {
      ...event,
      pull_request: { ...(event.pull_request as object), ...closed.pull_request },
    });
    expect(since(f)).toEqual([`GET ${R}/pulls/${PR}`]);
  });

  test("routing: the first listed model without judgements, the best-scoring one once both have 20, and why", async () => {
    flow = await bootLearning(database);
    const f = flow;
    const yaml = reviewYaml({ persona: "    models: [weak-model, strong-model]" });
    await push(f, yaml, PATCH_V1);
    const step = async () => {
      const [id] = await f.h.services.github.runIdsFor(REPO_NAME, PR);
      const run = await f.h.services.store.loadRun(id as string);
      return run?.steps.get("code-review")?.output;
    };
    expect((await step())?.summary).toBe(
      "2 findings (1 medium, 1 low) · model weak-model: no judged findings yet on ts: first listed",
    );
    expect((await step())?.data?.model).toBe("weak-model");

    // Reviewers judged 20 of weak-model's findings wrong and 20 of strong-model's useful (on another PR).
    await seedJudged(f, "weak-model", "wrong", 20);
    await seedJudged(f, "strong-model", "useful", 20);
    tick(f);
    await push(f, yaml, PATCH_MOVED, { action: "synchronize", head: NEW_HEAD });
    // weak: 0.3·1 + 0.5·0 + 0.2·1 = 0.50; strong: 0.3 + 0.5 + 0.2 = 1.00.
    const reason = "model strong-model: score 1.00 vs 0.50 on ts, 20 judged findings";
    expect((await step())?.summary).toBe(`3 findings (2 medium, 1 low) · ${reason}`);
    expect((await step())?.data?.routing).toMatchObject({ model: "strong-model", taskType: "ts" });
    // The check run says it too, and the new finding is recorded as strong-model's.
    expect(JSON.stringify(f.checkRuns)).toContain(reason);
    const rows = await f.h.services.findings.forPr(REPO_NAME, PR);
    expect(rows.map((r) => [r.title, r.model]).sort()).toEqual([
      ["Debug leftover: console.log", "weak-model"],
      ["Debug leftover: debugger statement", "strong-model"],
      ["TODO added", "weak-model"],
    ]);
  });

  test("min_precision holds back a low-precision cell's findings: listed collapsed, never failing the step", async () => {
    flow = await bootLearning(database);
    const f = flow;
    // 10 judged findings, all wrong: expertise 0 at confidence 0.5.
    await seedJudged(f, "gpt-4o-mini", "wrong", 10);
    const yaml = reviewYaml({ settings: "  min_precision: 0.5", failOn: "low" });
    await push(f, yaml, PATCH_V1);
    const review = f.reviews[0];
    expect(commentsOf(review)).toEqual([]);
    const body = bodyOf(review);
    expect(body).toContain(": 2 new findings (1 medium, 1 low), 0 inline, 0 below, 2 held back.");
    expect(body).toContain("<details><summary>Held back: low precision here (2 findings)</summary>");
    expect(body).toContain("- [medium] Debug leftover: console.log · `src/app.ts:2` · `code-review`");
    expect(review?.event).toBe("COMMENT");
    const [id] = await f.h.services.github.runIdsFor(REPO_NAME, PR);
    const run = await f.h.services.store.loadRun(id as string);
    // fail_on: low would fail on either finding: held back, they do not.
    expect(run?.steps.get("code-review")?.status).toBe("succeeded");
    expect(run?.steps.get("code-review")?.output?.summary).toBe(
      "2 findings (1 medium, 1 low) · 2 held back (low precision)",
    );
    expect((await ledger(f)).map((r) => [r.title, r.postedIn])).toEqual([
      ["Debug leftover: console.log", "held-back"],
      ["TODO added", "held-back"],
    ]);
  });
});

describe.each(APP_DATABASES)("judgements and fail_on (%s)", (database) => {
  test("a finding judged wrong by a writer stops failing the step on the next run; the author's own judgement does not clear it", async () => {
    flow = await bootLearning(database);
    const f = flow;
    const yaml = reviewYaml({ failOn: "medium" });
    await push(f, yaml, PATCH_V1);
    const comments = commentsOf(f.reviews[0]);
    const stepOf = async () => {
      const [id] = await f.h.services.github.runIdsFor(REPO_NAME, PR);
      return (await f.h.services.store.loadRun(id as string))?.steps.get("code-review");
    };
    expect((await stepOf())?.status).toBe("failed");
    since(f);

    // The author says it is wrong: recorded, but it still counts on their own PR.
    tick(f);
    mockPermission(AUTHOR, "admin");
    nock(API)
      .get(`${R}/pulls/comments/${LOG_COMMENT}`)
      .reply(200, appComment(LOG_COMMENT, comments[0]?.body ?? ""));
    let replied: unknown;
    nock(API)
      .post(`${R}/pulls/${PR}/comments/${LOG_COMMENT}/replies`)
      .reply(async (req: Request) => {
        replied = await req.json();
        return [201, { id: 6101 }];
      });
    await f.h.receiveSigned(
      "pull_request_review_comment",
      replyEvent(f, AUTHOR, LOG_COMMENT, "/agents wrong"),
    );
    expect(replied).toEqual({
      body: "@Codertocat: recorded as **wrong**. It will not be posted again on this pull request. It still counts toward `fail_on` here: nobody clears their own pull request's findings. It teaches `reviewer` (gpt-4o-mini) on `ts` findings.",
    });
    tick(f);
    await push(f, yaml, PATCH_V1, { action: "synchronize", head: NEW_HEAD, review: false });
    expect((await stepOf())?.status).toBe("failed");

    // carol (write) says it is wrong: the next run no longer fails on it.
    tick(f);
    mockPermission("carol", "write");
    nock(API).post(`${R}/pulls/${PR}/comments/${LOG_COMMENT}/replies`).reply(201, { id: 6102 });
    await f.h.receiveSigned(
      "pull_request_review_comment",
      replyEvent(f, "carol", LOG_COMMENT, "/agents wrong", 6002),
    );
    tick(f);
    const third = "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0";
    await push(f, yaml, PATCH_V1, { action: "synchronize", head: third, review: false });
    const step = await stepOf();
    expect(step?.status).toBe("succeeded");
    expect(step?.output?.summary).toBe(
      "2 findings (1 medium, 1 low) · 1 judged wrong or dismissed on this PR",
    );
    expect(step?.output?.findings?.find((x) => x.title === "Debug leftover: console.log")?.cleared).toBe(
      "wrong",
    );
  });

  test("`/agents reset-learning reviewer` (maintain) forgets the repository's judgements of that agent; a writer is refused", async () => {
    flow = await bootLearning(database);
    const f = flow;
    await push(f, reviewYaml(), PATCH_V1);
    await seedJudged(f, "gpt-4o-mini", "wrong", 3);
    await seedJudged(f, "gpt-4o-mini", "useful", 2, "security");
    since(f);
    const comment = (login: string, text: string, id: number) =>
      example("issue_comment", "created", {
        issue: { number: PR, pull_request: { url: `${API}${R}/pulls/${PR}` } },
        comment: {
          id,
          body: text,
          created_at: new Date(f.clock.t).toISOString(),
          user: { login, type: "User" },
        },
        sender: { login, type: "User" },
      });
    const replies: unknown[] = [];
    nock(API)
      .post(`${R}/issues/comments/801/reactions`)
      .reply(201, {})
      .post(`${R}/issues/comments/802/reactions`)
      .reply(201, {})
      .post(`${R}/issues/${PR}/comments`)
      .times(2)
      .reply(async (req: Request) => {
        replies.push(await req.json());
        return [201, { id: 1 }];
      });
    mockPermission("carol", "write");
    await f.h.receiveSigned("issue_comment", comment("carol", "/agents reset-learning reviewer", 801));
    mockPermission("maya", "maintain" as "admin");
    await f.h.receiveSigned("issue_comment", comment("maya", "/agents reset-learning reviewer", 802));
    expect(replies).toEqual([
      {
        body: "@carol: `/agents reset-learning` needs admin or maintain permission (@carol has write access).",
      },
      {
        body: "@maya: learning reset for agent `reviewer` in acme/widgets: 3 judged findings no longer count in profiles. Findings keep their states; the judgements stay in the audit trail.",
      },
    ]);
    const judged = await f.h.services.findings.judged({ repo: REPO_NAME });
    expect(judged.map((j) => [j.persona, j.state])).toEqual([
      ["security", "useful"],
      ["security", "useful"],
    ]);
    const audit = await f.h.services.store.database.kysely
      .selectFrom("audit")
      .select(["run_id", "actor", "reason"])
      .where("action", "=", "reset-learning")
      .execute();
    expect(audit.map((a) => [a.run_id, a.actor, a.reason])).toEqual([
      [null, "maya", "acme/widgets agent reviewer: 3 judged findings"],
    ]);
  });
});
