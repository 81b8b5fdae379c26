import nock from "nock";
import { afterEach, expect, test } from "vitest";
import { API, type AppHarness, example, R } from "../harness.js";
import {
  answerCheckRuns,
  apiPr,
  CONTENTS,
  loadRuns,
  mockConfig,
  mockFiles,
  mockPr,
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

const R2 = `${R}/pulls/2`;
const KINDS = "review, security, tests, agent, approval, checks, merge, deploy, eval";
const TIMOUT =
  'step "other": unknown key "timout" (expected one of id, name, depends_on, when, if, timeout, continue_on_error, agent, retries, uses, prompt, with)';

const INVALID = `version: 1
workflows:
  review:
    on:
      pull_request:
    phases:
      check:
        steps:
          - id: summary
            uses: merg
          - id: other
            uses: agent
            prompt: hi
            timout: 5m
`;

test("an invalid file on the default branch: a failing `agents` check with annotations, nothing else, once", async () => {
  h = await startRunsApp();
  const app = h;
  mockConfig(INVALID);
  mockPr();
  mockFiles();
  nock(API)
    .post(`${R}/check-runs`, {
      name: "agents",
      head_sha: SHA1,
      status: "completed",
      conclusion: "failure",
      output: {
        title: ".agents/workflow.yaml is invalid: 2 errors",
        summary:
          "Nothing ran: phasegate reads `.agents/workflow.yaml` from the default branch (`main`), and it has 2 errors:\n\n" +
          `- .agents/workflow.yaml:10:19 step "summary": unknown kind "merg" (expected one of ${KINDS})\n` +
          `- .agents/workflow.yaml:14:13 ${TIMOUT}\n\n` +
          "Fix the file on `main`; `phasegate validate` checks it locally.",
        annotations: [
          {
            path: ".agents/workflow.yaml",
            start_line: 10,
            end_line: 10,
            start_column: 19,
            end_column: 19,
            annotation_level: "failure",
            title: "Invalid workflow file",
            message: `step "summary": unknown kind "merg" (expected one of ${KINDS})`,
          },
          {
            path: ".agents/workflow.yaml",
            start_line: 14,
            end_line: 14,
            start_column: 13,
            end_column: 13,
            annotation_level: "failure",
            title: "Invalid workflow file",
            message: TIMOUT,
          },
        ],
      },
    })
    .reply(201, { id: 77 });
  await app.receive("pull_request", example("pull_request", "opened"), "delivery-1");
  expect(requestsMade(app)).toEqual([
    `GET ${CONTENTS}?ref=main`,
    `GET ${R2}`,
    `GET ${R2}/files?per_page=100&page=1`,
    `POST ${R}/check-runs`,
  ]);
  expect(await app.services.github.effect(`config:acme/widgets@${SHA1}`, "agents")).toEqual({
    state: "done",
    githubId: "77",
    data: null,
  });

  // GitHub redelivers (a new delivery id), then the app restarts and sees another event: no second check.
  mockConfig(INVALID);
  mockPr();
  await app.receive("pull_request", example("pull_request", "opened"), "delivery-2");
  await app.kill();
  h = await startRunsApp({ db: app.db });
  const again = h;
  mockConfig(INVALID);
  mockPr();
  mockFiles();
  await again.receive("pull_request", example("pull_request", "labeled"), "delivery-3");
  expect(requestsMade(again)).toEqual([
    `GET ${CONTENTS}?ref=main`,
    `GET ${R2}`,
    `GET ${R2}/files?per_page=100&page=1`,
  ]);
  expect(await runRows(again)).toEqual([]);
  expect(nock.pendingMocks()).toEqual([]);
});

test("more than 50 errors: the first 50 annotations with the check, the rest by PATCH", async () => {
  h = await startRunsApp();
  const app = h;
  const steps = Array.from({ length: 53 }, (_, i) => `          - { id: s${i}, uses: merg }\n`).join("");
  mockConfig(`version: 1\nworkflows:\n  review:\n    phases:\n      check:\n        steps:\n${steps}`);
  mockPr();
  mockFiles();
  const lines = (body: { output: { annotations: { start_line: number }[] } }) =>
    body.output.annotations.map((a) => a.start_line);
  nock(API)
    .post(`${R}/check-runs`, (body) => {
      expect(body.output.title).toBe(".agents/workflow.yaml is invalid: 53 errors");
      expect(lines(body)).toEqual(Array.from({ length: 50 }, (_, i) => 7 + i));
      return true;
    })
    .reply(201, { id: 78 });
  nock(API)
    .patch(`${R}/check-runs/78`, (body) => {
      expect(body.output.title).toBe(".agents/workflow.yaml is invalid: 53 errors");
      expect(lines(body)).toEqual([57, 58, 59]);
      return true;
    })
    .reply(200, { id: 78 });
  await app.receive("pull_request", example("pull_request", "opened"));
  expect(nock.pendingMocks()).toEqual([]);
});

test("a PR editing the workflow file: its new file is validated, its runs use the default branch's", async () => {
  h = await startRunsApp();
  const app = h;
  const edited = [{ filename: ".agents/workflow.yaml" }, { filename: "src/index.ts" }];
  mockConfig(workflowYaml("pull_request:"));
  mockPr();
  mockFiles(edited);
  mockConfig(workflowYaml("pull_request:", "renamed"), SHA1);
  nock(API)
    .post(`${R}/check-runs`, {
      name: "agents / workflow file",
      head_sha: SHA1,
      status: "completed",
      conclusion: "success",
      output: {
        title: "valid; applies once merged",
        summary:
          "The `.agents/workflow.yaml` of this pull request (at ec26c3e) is valid. Runs on this pull request " +
          "still use the file on `main`; this one applies once merged.",
      },
    })
    .reply(201, { id: 79 });
  answerCheckRuns(); // after the exact check above, which nock must match first
  await app.receive("pull_request", example("pull_request", "opened"));
  expect((await loadRuns(app)).map((r) => r.plan.workflowId)).toEqual(["review"]);

  // A redelivery does not validate twice.
  mockConfig(workflowYaml("pull_request:"));
  mockPr();
  await app.receive("pull_request", example("pull_request", "opened"));
  expect(nock.pendingMocks()).toEqual([]);
});

test("a PR breaking the workflow file gets a failing `agents / workflow file` check with annotations", async () => {
  h = await startRunsApp();
  const app = h;
  mockConfig(workflowYaml("pull_request:"));
  mockPr(apiPr());
  mockFiles([{ filename: ".agents/workflow.yaml" }]);
  mockConfig(INVALID, SHA1);
  nock(API)
    .post(`${R}/check-runs`, (body) => {
      expect(body).toEqual(
        expect.objectContaining({ name: "agents / workflow file", head_sha: SHA1, conclusion: "failure" }),
      );
      expect(body.output.title).toBe(".agents/workflow.yaml is invalid: 2 errors");
      expect(body.output.summary).toContain(
        "(at ec26c3e) has 2 errors:\n\n- .agents/workflow.yaml:10:19 step",
      );
      expect(body.output.annotations.map((a: { start_line: number }) => a.start_line)).toEqual([10, 14]);
      return true;
    })
    .reply(201, { id: 80 });
  answerCheckRuns();
  await app.receive("pull_request", example("pull_request", "opened"));
  // The default branch's file is valid: the PR's run starts as usual.
  expect((await loadRuns(app)).map((r) => r.plan.workflowId)).toEqual(["review"]);
  expect(nock.pendingMocks()).toEqual([]);
});

test("a check POST that may have landed (5xx) is looked up by name on the next event, not posted twice", async () => {
  h = await startRunsApp();
  const app = h;
  mockConfig(INVALID);
  mockPr();
  mockFiles();
  nock(API).post(`${R}/check-runs`).reply(502, { message: "Bad Gateway" });
  await app.receive("pull_request", example("pull_request", "opened"));
  expect(await app.services.github.effect(`config:acme/widgets@${SHA1}`, "agents")).toEqual({
    state: "pending",
    githubId: null,
    data: null,
  });

  mockConfig(INVALID);
  mockPr();
  nock(API)
    .get(`${R}/commits/${SHA1}/check-runs`)
    .query({ check_name: "agents", filter: "all" })
    .reply(200, {
      total_count: 2,
      check_runs: [
        { id: 5, name: "agents", app: { id: 999 } },
        { id: 81, name: "agents", app: { id: 1 } },
      ],
    });
  await app.receive("pull_request", example("pull_request", "synchronize"));
  expect(await app.services.github.effect(`config:acme/widgets@${SHA1}`, "agents")).toEqual({
    state: "done",
    githubId: "81",
    data: null,
  });
  expect(nock.pendingMocks()).toEqual([]);
});
