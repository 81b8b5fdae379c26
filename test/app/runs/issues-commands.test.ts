import nock from "nock";
import { afterEach, expect, test } from "vitest";
import { startRunFromCommand } from "../../../src/app/runs/command.js";
import { API, APP_ID, type AppHarness, example, INSTALLATION, R } from "../harness.js";
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
  startRunsApp,
  workflowYaml,
} from "../runs-fixtures.js";

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
  nock.cleanAll();
});

const REPO = {
  owner: "acme",
  name: "widgets",
  fullName: "acme/widgets",
  installationId: INSTALLATION,
  defaultBranch: "main",
};
const ISSUE_YAML = `version: 1
workflows:
  plan:
    on:
      issues: { labels: ["agents:plan"] }
    phases:
      plan:
        steps:
          - id: draft
            uses: agent
            retries: 10
            prompt: "Plan {{ issue.title }}"
`;

function mockIssue(labels: string[], state = "open") {
  nock(API)
    .get(`${R}/issues/1`)
    .reply(200, {
      number: 1,
      state,
      user: { login: "Codertocat" },
      labels: labels.map((name) => ({ name })),
      title: "Spelling error in the README file",
      body: "It looks like you accidently spelled 'commit' with two 't's.",
    });
}

test("issues: labeled with a trigger label starts an issue run; other labels and opened without it do not", async () => {
  h = await startRunsApp();
  const app = h;
  answerCheckRuns();
  mockConfig(ISSUE_YAML);
  mockIssue(["bug"]);
  await app.receive("issues", example("issues", "opened"));
  mockConfig(ISSUE_YAML);
  mockIssue(["bug", "agents:plan"]);
  await app.receive("issues", example("issues", "labeled", { label: { name: "bug" } }));
  expect(await runRows(app)).toEqual([]);

  mockConfig(ISSUE_YAML);
  mockIssue(["bug", "agents:plan"]);
  await app.receive(
    "issues",
    example("issues", "labeled", { label: { name: "agents:plan" }, sender: { login: "maintainer" } }),
  );
  const runs = await loadRuns(app);
  expect(runs.map((r) => [r.plan.workflowId, r.facts.source, r.facts.number, r.facts.headSha])).toEqual([
    ["plan", "issue", 1, ""],
  ]);
  expect(runs[0]?.facts).toEqual(
    expect.objectContaining({
      labels: ["bug", "agents:plan"],
      changedFiles: [],
      title: "Spelling error in the README file",
      author: "Codertocat",
      github: expect.objectContaining({
        body: "It looks like you accidently spelled 'commit' with two 't's.",
        lastPusher: null,
      }),
    }),
  );
  expect(await app.services.store.listAudit(runs[0]!.id)).toEqual([
    expect.objectContaining({ action: "run", actor: "maintainer", sha: null, reason: "issues.labeled" }),
  ]);
  expect(requestsMade(app).filter((r) => !r.includes("check-runs"))).toEqual([
    `GET ${CONTENTS}?ref=main`,
    `GET ${R}/issues/1`,
    `GET ${CONTENTS}?ref=main`,
    `GET ${R}/issues/1`,
    `GET ${CONTENTS}?ref=main`,
    `GET ${R}/issues/1`,
  ]);
  expect(nock.pendingMocks()).toEqual([]);
});

test("check_suite rerequested: the SHA's workflow runs again, the old run cancelled naming who re-ran it", async () => {
  h = await startRunsApp();
  const app = h;
  answerCheckRuns();
  mockConfig(workflowYaml("pull_request:"));
  mockPr();
  mockFiles();
  await app.receive("pull_request", example("pull_request", "opened"));
  const [old] = await loadRuns(app);

  mockConfig(workflowYaml("pull_request:"));
  mockPr();
  await app.receive(
    "check_suite",
    example("check_suite", "rerequested", {
      check_suite: { head_sha: SHA1, app: { id: APP_ID } },
      sender: { login: "octocat", type: "User" },
    }),
  );
  const after = await app.services.store.loadRun(old!.id);
  expect([after?.status, after?.reason]).toEqual(["cancelled", "cancelled by @octocat: re-run by @octocat"]);
  const fresh = (await loadRuns(app)).filter((r) => r.id !== old!.id);
  expect(
    fresh.map((r) => [r.plan.workflowId, r.facts.headSha, r.status, r.facts.github?.lastPusher]),
  ).toEqual([["review", SHA1, "running", "Codertocat"]]);
  expect(await app.services.store.listAudit(fresh[0]!.id)).toEqual([
    expect.objectContaining({ action: "run", actor: "octocat", reason: "re-run by @octocat" }),
  ]);
  expect(nock.pendingMocks()).toEqual([]);
});

test("/agents run <template> works without a workflow file; restarting cancels the open run first", async () => {
  h = await startRunsApp();
  const app = h;
  answerCheckRuns();
  const args = { repo: REPO, number: PR, isPullRequest: true, target: "code-review", sender: "maintainer" };
  mockConfig(null);
  mockPr();
  mockFiles();
  // The app never saw this head's push: the commit names who pushed it (never an approver).
  nock(API)
    .get(`${R}/commits/${SHA1}`)
    .reply(200, { sha: SHA1, author: { login: "Codertocat" }, committer: { login: "Codertocat" } });
  const once = await startRunFromCommand(app.services, args);
  await app.idle();
  const [first] = await loadRuns(app);
  expect(once).toEqual({ started: [first?.id] });
  expect(first?.plan.steps.map((s) => s.id)).toEqual(["code-review", "security", "tests"]);
  // The slash-command module audits the runs it started.
  expect(await app.services.store.listAudit(first!.id)).toEqual([]);

  mockConfig(null);
  mockPr();
  const twice = await startRunFromCommand(app.services, args);
  await app.idle();
  expect(twice).toEqual({ started: [expect.not.stringMatching(first!.id)] });
  const restarted = await app.services.store.loadRun(first!.id);
  expect([restarted?.status, restarted?.reason]).toEqual([
    "cancelled",
    "cancelled by @maintainer: restarted by @maintainer",
  ]);
  expect((await runRows(app)).map((r) => r.workflow_id)).toEqual(["code-review", "code-review"]);
  expect(nock.pendingMocks()).toEqual([]);
});

test("/agents run: a workflow of the file, every triggered one, or an error naming what exists", async () => {
  h = await startRunsApp();
  const app = h;
  answerCheckRuns();
  const yaml = `${workflowYaml("pull_request: { labels: [never-there] }", "labelled")}${workflowYaml(
    "issues: { labels: [x] }",
    "issues-only",
  )
    .split("\n")
    .slice(2)
    .join("\n")}`;
  const run = (target: string | null, isPullRequest = true) =>
    startRunFromCommand(app.services, {
      repo: REPO,
      number: PR,
      isPullRequest,
      target,
      sender: "maintainer",
    });

  mockConfig(yaml);
  mockPr(apiPr());
  expect(await run("nope")).toEqual({
    error:
      "unknown workflow or template `nope`; known: `labelled`, `issues-only`, `code-review` (template), " +
      "`feature` (template), `plan` (template), `security-audit` (template)",
  });
  // No target: every workflow triggered by pull requests, whatever its label filter says.
  mockConfig(yaml);
  mockPr(apiPr());
  mockFiles();
  // The app never saw this head's push: the commit names who pushed it (never an approver).
  nock(API)
    .get(`${R}/commits/${SHA1}`)
    .reply(200, { sha: SHA1, author: { login: "Codertocat" }, committer: { login: "Codertocat" } });
  expect(await run(null)).toEqual({ started: [expect.any(String)] });

  mockConfig(null);
  mockPr(apiPr());
  expect(await run(null)).toEqual({
    error:
      "no `.agents/workflow.yaml` on `main`: name a template, one of `code-review` (template), " +
      "`feature` (template), `plan` (template), `security-audit` (template)",
  });
  mockConfig(yaml);
  mockPr(apiPr({ state: "closed" }));
  expect(await run("labelled")).toEqual({ error: "this pull request is closed: nothing was started" });
  await app.idle();
  expect((await runRows(app)).map((r) => r.workflow_id)).toEqual(["labelled"]);
  expect(nock.pendingMocks()).toEqual([]);
});

test("/agents run plan on an issue: the template runs with the issue's facts", async () => {
  h = await startRunsApp();
  const app = h;
  answerCheckRuns();
  nock(API).post(`${R}/issues/1/comments`).optionally().reply(201, { id: 1 });
  mockConfig(null);
  mockIssue([]);
  const result = await startRunFromCommand(app.services, {
    repo: REPO,
    number: 1,
    isPullRequest: false,
    target: "plan",
    sender: "maintainer",
  });
  await app.idle();
  const runs = await loadRuns(app);
  expect(result).toEqual({ started: runs.map((r) => r.id) });
  expect(runs.map((r) => [r.plan.workflowId, r.facts.source, r.facts.number, r.facts.title])).toEqual([
    ["plan", "issue", 1, "Spelling error in the README file"],
  ]);
  expect(requestsMade(app).slice(0, 2)).toEqual([`GET ${CONTENTS}?ref=main`, `GET ${R}/issues/1`]);
  expect(nock.pendingMocks()).toEqual([]);
});
