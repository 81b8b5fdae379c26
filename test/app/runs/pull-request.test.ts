import nock from "nock";
import { afterEach, expect, test } from "vitest";
import { type AppHarness, example } from "../harness.js";
import {
  answerCheckRuns,
  apiPr,
  CONTENTS,
  loadRuns,
  mockConfig,
  mockFiles,
  mockPr,
  PR,
  requestsMade,
  runRows,
  SHA1,
  SHA2,
  startRunsApp,
  workflowYaml,
} from "../runs-fixtures.js";

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
  nock.cleanAll();
});

async function boot(): Promise<AppHarness> {
  h = await startRunsApp();
  return h;
}
const R2 = "/repos/acme/widgets/pulls/2";
const opened = (patch: object = {}) => example("pull_request", "opened", patch);

/** Starts one run on SHA1 through `opened` (default workflow: every PR). */
async function openedRun(app: AppHarness, yaml = workflowYaml("pull_request:"), pr = apiPr(), files = true) {
  mockConfig(yaml);
  mockPr(pr);
  // The PR's files are fetched once per head SHA (memoised for a while).
  if (files) mockFiles();
  await app.receive("pull_request", opened());
}

test("no workflow file: only the contents request, no run", async () => {
  const app = await boot();
  mockConfig(null);
  await app.receive("pull_request", opened());
  expect(requestsMade(app)).toEqual([`GET ${CONTENTS}?ref=main`]);
  expect(await runRows(app)).toEqual([]);
  expect(nock.pendingMocks()).toEqual([]);
});

test("opened starts a run on the head SHA with the PR's facts, audited", async () => {
  const app = await boot();
  answerCheckRuns();
  await openedRun(app, workflowYaml("pull_request:"), apiPr({ labels: [{ name: "agents" }] }));

  expect(await runRows(app)).toEqual([
    {
      id: expect.any(String),
      repo: "acme/widgets",
      number: PR,
      workflow_id: "review",
      head_sha: SHA1,
      status: "running",
    },
  ]);
  const [run] = await loadRuns(app);
  expect(run?.facts).toEqual({
    source: "pull_request",
    repo: "acme/widgets",
    number: PR,
    headSha: SHA1,
    baseRef: "main",
    author: "Codertocat",
    labels: ["agents"],
    changedFiles: ["src/index.ts"],
    additions: 1,
    deletions: 0,
    title: "Update the README with new information",
    github: {
      installationId: 42,
      owner: "acme",
      name: "widgets",
      defaultBranch: "main",
      lastPusher: "Codertocat",
      body: "This is a pretty simple change that we need to pull into main.",
      headRef: "feature",
      draft: false,
    },
  });
  expect(await app.services.store.listAudit(run!.id)).toEqual([
    expect.objectContaining({ actor: "Codertocat", action: "run", sha: SHA1, reason: "pull_request.opened" }),
  ]);
  // This module's requests; the rest are the reporter's check runs.
  expect(requestsMade(app).slice(0, 3)).toEqual([
    `GET ${CONTENTS}?ref=main`,
    `GET ${R2}`,
    `GET ${R2}/files?per_page=100&page=1`,
  ]);
  expect(nock.pendingMocks()).toEqual([]);
});

test("drafts are skipped unless the workflow says drafts: true", async () => {
  const app = await boot();
  answerCheckRuns();
  await openedRun(app, workflowYaml("pull_request:"), apiPr({ draft: true }));
  expect(await runRows(app)).toEqual([]);

  await openedRun(app, workflowYaml("pull_request: { drafts: true }"), apiPr({ draft: true }), false);
  expect((await loadRuns(app)).map((r) => r.facts.github?.draft)).toEqual([true]);
  expect(nock.pendingMocks()).toEqual([]);
});

/** GET /repos/{o}/{r}/commits/{sha}: the commit's author and committer accounts (null: no GitHub account). */
function mockCommit(sha: string, author: string | null, committer: string | null) {
  nock("https://api.github.com")
    .get(`/repos/acme/widgets/commits/${sha}`)
    .reply(200, {
      sha,
      author: author ? { login: author, type: "User" } : null,
      committer: committer ? { login: committer, type: "User" } : null,
    });
}

test("ready_for_review starts the run a draft did not get; a push never seen: the commit's committer", async () => {
  const app = await boot();
  answerCheckRuns();
  mockConfig(workflowYaml("pull_request:"));
  mockPr(apiPr({ draft: false }));
  mockFiles();
  mockCommit(SHA1, "Codertocat", "mallory");
  await app.receive("pull_request", example("pull_request", "ready_for_review"));
  expect((await runRows(app)).map((r) => r.workflow_id)).toEqual(["review"]);
  expect((await loadRuns(app)).map((r) => r.facts.github?.lastPusher)).toEqual(["mallory"]);
  expect(nock.pendingMocks()).toEqual([]);
});

test("a synchronize that starts no run (draft) still names the pusher: ready_for_review's run has them", async () => {
  const app = await boot();
  answerCheckRuns();
  const yaml = workflowYaml("pull_request:");
  await openedRun(app, yaml, apiPr({ draft: true }));
  // mallory pushes SHA2 to the draft: no run, no request beyond the PR and its files.
  mockConfig(yaml);
  mockPr(apiPr({ draft: true, head: { sha: SHA2, ref: "feature" } }));
  nock("https://api.github.com").get(`${R2}/files`).query({ per_page: "100", page: "1" }).reply(200, []);
  await app.receive(
    "pull_request",
    example("pull_request", "synchronize", {
      pull_request: { head: { sha: SHA2 }, draft: true },
      sender: { login: "mallory" },
    }),
  );
  expect(await runRows(app)).toEqual([]);
  expect(await app.services.github.effect(`pr:acme/widgets#${PR}@${SHA2}`, "pusher")).toEqual({
    state: "done",
    githubId: "mallory",
    data: null,
  });

  // The author marks it ready: the run on SHA2 knows mallory pushed it (no commit lookup needed).
  mockConfig(yaml);
  mockPr(apiPr({ head: { sha: SHA2, ref: "feature" } }));
  await app.receive(
    "pull_request",
    example("pull_request", "ready_for_review", { pull_request: { head: { sha: SHA2 } } }),
  );
  const runs = await loadRuns(app);
  expect(runs.map((r) => [r.facts.headSha, r.facts.github?.lastPusher])).toEqual([[SHA2, "mallory"]]);

  // A later push event for that SHA (a `reopened` by the author) does not rename its pusher: the first wins.
  mockConfig(yaml);
  mockPr(apiPr({ head: { sha: SHA2, ref: "feature" } }));
  await app.receive(
    "pull_request",
    example("pull_request", "reopened", {
      pull_request: { head: { sha: SHA2 } },
      sender: { login: "Codertocat" },
    }),
  );
  expect((await loadRuns(app)).map((r) => [r.status, r.facts.github?.lastPusher])).toEqual([
    ["running", "mallory"],
  ]);
  expect((await app.services.github.effect(`pr:acme/widgets#${PR}@${SHA2}`, "pusher"))?.githubId).toBe(
    "mallory",
  );
  expect(nock.pendingMocks()).toEqual([]);
});

test("a GitHub web-UI commit (committer web-flow) names its author as the pusher", async () => {
  const app = await boot();
  answerCheckRuns();
  mockConfig(workflowYaml("pull_request:"));
  mockPr(apiPr({ draft: false }));
  mockFiles();
  mockCommit(SHA1, "eve", "web-flow");
  await app.receive("pull_request", example("pull_request", "ready_for_review"));
  expect((await loadRuns(app)).map((r) => r.facts.github?.lastPusher)).toEqual(["eve"]);
  expect(nock.pendingMocks()).toEqual([]);
});

test("labels: opened without the label starts nothing; labeled starts one run, once", async () => {
  const app = await boot();
  answerCheckRuns();
  const yaml = workflowYaml("pull_request: { labels: [agents] }");
  await openedRun(app, yaml, apiPr({ labels: [{ name: "bug" }] }));
  expect(await runRows(app)).toEqual([]);

  // The label arrives: one run. Another label later (or `opened` racing with `labeled`): no second run.
  const labeled = (label: string) =>
    example("pull_request", "labeled", { label: { name: label }, sender: { login: "maintainer" } });
  mockConfig(yaml);
  mockPr(apiPr({ labels: [{ name: "bug" }, { name: "Agents" }] }));
  await app.receive("pull_request", labeled("agents"));
  mockConfig(yaml);
  mockPr(apiPr({ labels: [{ name: "bug" }, { name: "agents" }] }));
  await app.receive("pull_request", labeled("agents"));
  mockConfig(yaml);
  mockPr(apiPr({ labels: [{ name: "bug" }, { name: "agents" }, { name: "docs" }] }));
  await app.receive("pull_request", labeled("docs"));

  const runs = await loadRuns(app);
  expect(runs.map((r) => [r.plan.workflowId, r.facts.headSha, r.status])).toEqual([
    ["review", SHA1, "running"],
  ]);
  // The labeler did not push: the PR author stays the pusher on record.
  expect(runs[0]?.facts.github?.lastPusher).toBe("Codertocat");
  expect(nock.pendingMocks()).toEqual([]);
});

test("branches: base-branch globs", async () => {
  const app = await boot();
  answerCheckRuns();
  const release = apiPr({ base: { ref: "release/1.2" } });
  await openedRun(app, workflowYaml("pull_request: { branches: [main] }"), release);
  expect(await runRows(app)).toEqual([]);
  await openedRun(app, workflowYaml("pull_request: { branches: ['release/*'] }"), release, false);
  expect((await loadRuns(app)).map((r) => r.facts.baseRef)).toEqual(["release/1.2"]);
  expect(nock.pendingMocks()).toEqual([]);
});

test("paths: a changed file must match (old names of renames count)", async () => {
  const app = await boot();
  answerCheckRuns();
  const yaml = workflowYaml("pull_request: { paths: ['src/**'] }");
  mockConfig(yaml);
  mockPr();
  mockFiles([{ filename: "docs/guide.md" }]);
  await app.receive("pull_request", opened());
  expect(await runRows(app)).toEqual([]);

  mockConfig(yaml);
  mockPr(apiPr({ head: { sha: SHA2, ref: "feature" } }));
  nock("https://api.github.com")
    .get(`${R2}/files`)
    .query({ per_page: "100", page: "1" })
    .reply(200, [
      {
        filename: "lib/index.ts",
        previous_filename: "src/index.ts",
        status: "renamed",
        additions: 0,
        deletions: 0,
        changes: 0,
        sha: "b1",
      },
    ]);
  await app.receive(
    "pull_request",
    example("pull_request", "synchronize", { pull_request: { head: { sha: SHA2 } } }),
  );
  expect((await loadRuns(app)).map((r) => r.facts.changedFiles)).toEqual([["lib/index.ts", "src/index.ts"]]);
  expect(nock.pendingMocks()).toEqual([]);
});

test("synchronize supersedes the older head's open run and starts one on the new head", async () => {
  const app = await boot();
  answerCheckRuns();
  await openedRun(app);
  const [old] = await loadRuns(app);

  mockConfig(workflowYaml("pull_request:"));
  mockPr(apiPr({ head: { sha: SHA2, ref: "feature" } }));
  nock("https://api.github.com")
    .get(`${R2}/files`)
    .query({ per_page: "100", page: "1" })
    .reply(200, [
      {
        filename: "src/index.ts",
        status: "modified",
        additions: 2,
        deletions: 0,
        changes: 2,
        sha: "b2",
        patch: "@@ -1 +1,3 @@\n a\n+b\n+c",
      },
    ]);
  await app.receive(
    "pull_request",
    example("pull_request", "synchronize", {
      pull_request: { head: { sha: SHA2 } },
      sender: { login: "pusher" },
    }),
  );

  const before = await app.services.store.loadRun(old!.id);
  expect([before?.status, before?.reason]).toEqual(["cancelled", "superseded by b0b0b0b"]);
  const fresh = (await loadRuns(app)).filter((r) => r.facts.headSha === SHA2);
  expect(fresh.map((r) => [r.plan.workflowId, r.status, r.facts.github?.lastPusher])).toEqual([
    ["review", "running", "pusher"],
  ]);
  expect((await app.services.store.listAudit(old!.id)).map((a) => [a.action, a.actor, a.reason])).toEqual([
    ["run", "Codertocat", "pull_request.opened"],
    ["supersede", "pusher", "superseded by b0b0b0b"],
  ]);
  expect(nock.pendingMocks()).toEqual([]);
});

test("a late delivery acts on the PR's current head, not the payload's", async () => {
  const app = await boot();
  answerCheckRuns();
  mockConfig(workflowYaml("pull_request:"));
  mockPr(apiPr({ head: { sha: SHA2, ref: "feature" } }));
  // The files are read together with the PR, at the payload's head (SHA1); the PR has moved on, so that read is
  // dropped and SHA2's files are read.
  nock("https://api.github.com")
    .get(`${R2}/files`)
    .query({ per_page: "100", page: "1" })
    .times(2)
    .reply(200, []);
  // `opened` for SHA1 arrives after the PR moved on to SHA2: the run is for SHA2, and whoever pushed SHA2 is
  // unknown, so SHA2's committer stands in (never the opener as "pusher" of a SHA they may not have pushed).
  mockCommit(SHA2, "Codertocat", "Codertocat");
  await app.receive("pull_request", opened({ sender: { login: "someone-else" } }));
  const [late] = await loadRuns(app);
  expect([late?.facts.headSha, late?.facts.github?.lastPusher]).toEqual([SHA2, "Codertocat"]);
  // The opener is on record as SHA1's pusher only.
  expect((await app.services.github.effect(`pr:acme/widgets#${PR}@${SHA1}`, "pusher"))?.githubId).toBe(
    "someone-else",
  );

  // SHA2's own `synchronize` names its pusher: the run starts again with the pusher on record.
  mockConfig(workflowYaml("pull_request:"));
  mockPr(apiPr({ head: { sha: SHA2, ref: "feature" } }));
  await app.receive(
    "pull_request",
    example("pull_request", "synchronize", {
      pull_request: { head: { sha: SHA2 } },
      sender: { login: "pusher" },
    }),
  );
  const runs = await loadRuns(app);
  expect(runs.map((r) => [r.id === late?.id, r.status, r.reason, r.facts.github?.lastPusher])).toEqual(
    expect.arrayContaining([
      [true, "cancelled", "restarted: @pusher pushed b0b0b0b", "Codertocat"],
      [false, "running", null, "pusher"],
    ]),
  );
  expect(runs).toHaveLength(2);
  expect(nock.pendingMocks()).toEqual([]);
});

test("a delivery for a PR that is closed by now starts nothing", async () => {
  const app = await boot();
  mockConfig(workflowYaml("pull_request:"));
  mockPr(apiPr({ state: "closed" }));
  // The files are read together with the PR (which turns out closed).
  nock("https://api.github.com").get(`${R2}/files`).query({ per_page: "100", page: "1" }).reply(200, []);
  await app.receive("pull_request", example("pull_request", "reopened"));
  expect(await runRows(app)).toEqual([]);
  expect(requestsMade(app)).toEqual([
    `GET ${CONTENTS}?ref=main`,
    `GET ${R2}`,
    `GET ${R2}/files?per_page=100&page=1`,
  ]);
  expect(nock.pendingMocks()).toEqual([]);
});

test("closed without merge cancels open runs; merged leaves them; reopened starts again", async () => {
  const app = await boot();
  answerCheckRuns();
  await openedRun(app);
  const [run] = await loadRuns(app);

  mockPr(apiPr({ state: "closed", merged: true }));
  await app.receive("pull_request", example("pull_request", "closed", { pull_request: { merged: true } }));
  expect((await app.services.store.loadRun(run!.id))?.status).toBe("running");

  mockPr(apiPr({ state: "closed", merged: false }));
  await app.receive("pull_request", example("pull_request", "closed", { sender: { login: "maintainer" } }));
  const after = await app.services.store.loadRun(run!.id);
  expect([after?.status, after?.reason]).toEqual([
    "cancelled",
    "cancelled by @maintainer: the pull request was closed",
  ]);
  expect((await app.services.store.listAudit(run!.id)).at(-1)).toEqual(
    expect.objectContaining({ action: "cancel", actor: "maintainer", reason: "the pull request was closed" }),
  );

  // Reopened: a fresh run; the reopener did not push SHA1, its pusher on record stays.
  mockConfig(workflowYaml("pull_request:"));
  mockPr();
  await app.receive("pull_request", example("pull_request", "reopened", { sender: { login: "maintainer" } }));
  const reopened = (await loadRuns(app)).filter((r) => r.id !== run!.id);
  expect(reopened.map((r) => [r.status, r.facts.headSha, r.facts.github?.lastPusher])).toEqual([
    ["running", SHA1, "Codertocat"],
  ]);
  expect(nock.pendingMocks()).toEqual([]);
});

test("unlabeled: removing the last trigger label cancels that workflow's runs, not others'", async () => {
  const app = await boot();
  answerCheckRuns();
  const yaml = `${workflowYaml("pull_request: { labels: [agents, review-me] }", "labelled")}${workflowYaml(
    "pull_request:",
    "always",
  )
    .split("\n")
    .slice(2)
    .join("\n")}`;
  await openedRun(app, yaml, apiPr({ labels: [{ name: "agents" }, { name: "review-me" }] }));
  expect((await loadRuns(app)).map((r) => r.plan.workflowId).sort()).toEqual(["always", "labelled"]);

  const unlabeled = (label: string) =>
    example("pull_request", "unlabeled", { label: { name: label }, sender: { login: "maintainer" } });
  // One trigger label is left: nothing stops.
  mockConfig(yaml);
  mockPr(apiPr({ labels: [{ name: "review-me" }] }));
  await app.receive("pull_request", unlabeled("agents"));
  expect((await loadRuns(app)).map((r) => r.status)).toEqual(["running", "running"]);

  mockConfig(yaml);
  mockPr(apiPr({ labels: [] }));
  await app.receive("pull_request", unlabeled("review-me"));
  const byWorkflow = Object.fromEntries(
    (await loadRuns(app)).map((r) => [r.plan.workflowId, [r.status, r.reason]]),
  );
  expect(byWorkflow).toEqual({
    always: ["running", null],
    labelled: ["cancelled", 'cancelled by @maintainer: label "review-me" was removed'],
  });
  expect(nock.pendingMocks()).toEqual([]);
});
