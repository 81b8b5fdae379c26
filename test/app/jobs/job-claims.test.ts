import nock from "nock";
import { afterEach, expect, test } from "vitest";
import { JobQueue } from "../../../src/app/jobs/job-queue.js";
import { commandHelp } from "../../../src/core/webhooks/slash-command.js";
import { type Job, jobKey, webhookJob } from "../../../src/core/webhooks/webhook-job.js";
import { GitHubStore } from "../../../src/db/github-store.js";
import {
  type Clock,
  commentPayload,
  gatePlan,
  nockReaction,
  nockReply,
  problems,
  waitingRun,
} from "../gates-fixture.js";
import { APP_ID, type AppHarness, startApp } from "../harness.js";

// Two app processes (replicas) on one Postgres database, each with its own job queue; the webhook jobs they
// share live in `deliveries`. Each test asserts the GitHub writes a job makes happen exactly once.

const running: AppHarness[] = [];
afterEach(async () => {
  const seen = running.flatMap((h) => problems(h));
  for (const h of running.splice(0)) await h.stop();
  nock.cleanAll();
  expect(seen).toEqual([]);
});

const HELP = commandHelp("/agents");

async function twoReplicas(clock: Clock): Promise<[AppHarness, AppHarness]> {
  const options = { now: () => clock.t, jobLeaseMs: 30_000, jobPollMs: 20 } as const;
  const a = await startApp({ database: "postgres", ...options });
  running.push(a);
  const b = await startApp({ db: a.db, ...options });
  running.push(b);
  return [a, b];
}

/** Records `/agents help` by rita as a job acknowledged by `worker` (a process that then died), claimed until `until`. */
async function abandonedJob(h: AppHarness, clock: Clock, worker: string, until: number) {
  const { payload, id } = commentPayload(clock, "rita", "/agents help");
  const t = webhookJob("issue_comment", payload, APP_ID, clock.t);
  if (!("job" in t)) throw new Error("expected a job");
  await new GitHubStore(h.db.db).recordJob({
    id: "delivery-7",
    event: "issue_comment",
    receivedAt: clock.t,
    job: t.job,
    claim: { by: worker, until },
  });
  return id;
}

async function doneAt(h: AppHarness): Promise<number | null> {
  const row = await h.db.db.kysely
    .selectFrom("deliveries")
    .select("done_at")
    .where("id", "=", "delivery-7")
    .executeTakeFirstOrThrow();
  return row.done_at;
}

test("a job claimed by a live process is left alone; once its claim runs out exactly one replica does it", async () => {
  const clock: Clock = { t: Date.parse("2026-11-22T06:00:00Z") };
  const [a, b] = await twoReplicas(clock);
  await waitingRun(a, gatePlan({ gate: {} }));
  const commentId = await abandonedJob(a, clock, "replica-that-died", clock.t + 30_000);

  // Both replicas look every 20 ms: while the claim holds, neither touches the job (nock would refuse a request).
  await new Promise((resolve) => setTimeout(resolve, 150));
  expect(await doneAt(a)).toBeNull();

  // The claim runs out: one replica takes the job and answers once (one reaction, one reply: nock allows one each).
  nockReaction(commentId);
  nockReply(HELP);
  clock.t += 30_001;
  await expect.poll(() => doneAt(a), { timeout: 5000 }).not.toBeNull();
  await a.idle();
  await b.idle();
  expect(nock.pendingMocks()).toEqual([]);
  const takers = [...a.logs, ...b.logs].filter((l) => l.msg === "abandoned webhook jobs taken over");
  expect(takers).toEqual([expect.objectContaining({ jobs: 1 })]);
});

test("a replica that starts while another works on a job does not redo it", async () => {
  const clock: Clock = { t: Date.parse("2026-11-22T06:00:00Z") };
  const a = await startApp({ database: "postgres", now: () => clock.t });
  running.push(a);
  await waitingRun(a, gatePlan({ gate: {} }));
  const commentId = await abandonedJob(a, clock, a.services.engine.workerId, clock.t + 30_000);
  // b starts (and resumes at once) while a still holds the claim: b must not take the job.
  const b = await startApp({ db: a.db, now: () => clock.t });
  running.push(b);
  await b.idle();
  expect(await doneAt(b)).toBeNull();
  expect(nock.pendingMocks()).toEqual([]);
  // A restart of a itself (same worker id gone, claim run out) finishes it, once.
  nockReaction(commentId);
  nockReply(HELP);
  clock.t += 30_001;
  const again = await startApp({ db: a.db, now: () => clock.t });
  running.push(again);
  await again.idle();
  expect(await doneAt(again)).not.toBeNull();
  expect(nock.pendingMocks()).toEqual([]);
});

test("jobs of one PR on two replicas run one at a time; another PR's job runs beside them", async () => {
  const clock: Clock = { t: Date.parse("2026-11-22T06:00:00Z") };
  const [a, b] = await twoReplicas(clock);
  const spans: { key: string; start: number; end: number }[] = [];
  // The real queues of both replicas, each with a handler that takes 150 ms and records when it ran.
  const slow = async (_s: unknown, job: Job) => {
    const start = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 150));
    spans.push({ key: jobKey(job), start, end: performance.now() });
  };
  const queueA = new JobQueue(a.services, slow, { pollMs: 0 });
  const queueB = new JobQueue(b.services, slow, { pollMs: 0 });
  const repo = {
    owner: "acme",
    name: "widgets",
    fullName: "acme/widgets",
    installationId: 42,
    defaultBranch: "main",
  };
  const review = (number: number): Job => ({ type: "review", repo, number });
  const record = (h: AppHarness, id: string, job: Job, q: JobQueue) =>
    h.services.github.recordJob({
      id,
      event: "pull_request_review",
      receivedAt: clock.t,
      job,
      claim: q.claim(),
    });
  await record(a, "d-1", review(7), queueA);
  await record(b, "d-2", review(7), queueB);
  await record(b, "d-3", review(8), queueB);
  await Promise.all([
    queueA.enqueue("d-1", review(7)),
    queueB.enqueue("d-2", review(7)),
    queueB.enqueue("d-3", review(8)),
  ]);
  const pr7 = spans.filter((s) => s.key === "acme/widgets#7").sort((x, y) => x.start - y.start);
  const pr8 = spans.find((s) => s.key === "acme/widgets#8");
  expect(pr7).toHaveLength(2);
  // The second of PR 7's jobs started after the first ended (the PR's lock across replicas) ...
  expect((pr7[1] as { start: number }).start).toBeGreaterThanOrEqual((pr7[0] as { end: number }).end);
  // ... while PR 8's job overlapped one of them.
  expect(pr7.some((s) => pr8 !== undefined && pr8.start < s.end && s.start < pr8.end)).toBe(true);
  const done = await a.db.db.kysely
    .selectFrom("deliveries")
    .select(["id", "done_at"])
    .orderBy("id")
    .execute();
  expect(done.map((r) => [r.id, r.done_at !== null])).toEqual([
    ["d-1", true],
    ["d-2", true],
    ["d-3", true],
  ]);
});
