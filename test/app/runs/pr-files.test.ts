import nock from "nock";
import { afterEach, expect, test } from "vitest";
import { githubAgentInputs } from "../../../src/app/executors/agent-inputs.js";
import { prFiles, prFilesAt, toFileDiff } from "../../../src/app/runs/pr-files.js";
import { planWorkflow } from "../../../src/core/run/plan.js";
import { newRunState, type RunFacts } from "../../../src/core/run/run-state.js";
import { API, type AppHarness, INSTALLATION, R } from "../harness.js";
import { PR, SHA1, SHA2, startRunsApp } from "../runs-fixtures.js";

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
  nock.cleanAll();
});

const KEY = { installationId: INSTALLATION, owner: "acme", name: "widgets", number: PR, headSha: SHA1 };
const file = (i: number) => ({
  filename: `src/f${i}.ts`,
  status: "modified",
  additions: 1,
  deletions: 1,
  changes: 2,
  sha: `blob${i}`,
  patch: "@@ -3,2 +3,2 @@ function f() {\n a\n-b\n+c",
});

function facts(source: "pull_request" | "issue"): RunFacts {
  return {
    source,
    repo: "acme/widgets",
    number: PR,
    headSha: source === "issue" ? "" : SHA1,
    baseRef: "main",
    author: "Codertocat",
    labels: [],
    changedFiles: [],
    title: "The title",
    github: {
      installationId: INSTALLATION,
      owner: "acme",
      name: "widgets",
      defaultBranch: "main",
      lastPusher: null,
      body: "The body",
      headRef: "feature",
      draft: false,
    },
  };
}
const plan = planWorkflow(
  {
    version: 1,
    workflows: { w: { phases: { p: { steps: [{ id: "a", uses: "agent", prompt: "x" }] } } } },
  },
  "w",
);

test("prFiles pages through GET /pulls/{n}/files once per head SHA and shares the answer", async () => {
  h = await startRunsApp();
  const app = h;
  nock(API)
    .get(`${R}/pulls/${PR}/files`)
    .query({ per_page: "100", page: "1" })
    .reply(
      200,
      Array.from({ length: 100 }, (_, i) => file(i)),
    );
  nock(API)
    .get(`${R}/pulls/${PR}/files`)
    .query({ per_page: "100", page: "2" })
    .reply(200, [file(100), file(101)]);
  const [a, b] = await Promise.all([prFilesAt(app.services, KEY), prFilesAt(app.services, KEY)]);
  expect(a).toBe(b);
  expect(a.map((f) => f.path)).toEqual(Array.from({ length: 102 }, (_, i) => `src/f${i}.ts`));
  const run = newRunState({ id: "r1", plan, facts: facts("pull_request"), createdAt: 0 });
  expect(await prFiles(app.services, run)).toBe(a);
  expect(a[0]).toEqual({
    path: "src/f0.ts",
    oldPath: null,
    status: "modified",
    binary: false,
    additions: 1,
    deletions: 1,
    blobSha: "blob0",
    hunks: [
      {
        oldStart: 3,
        oldLines: 2,
        newStart: 3,
        newLines: 2,
        header: "function f() {",
        lines: [
          { type: "context", text: "a", newLine: 3, oldLine: 3 },
          { type: "del", text: "b", newLine: null, oldLine: 4 },
          { type: "add", text: "c", newLine: 4, oldLine: null },
        ],
      },
    ],
  });
  // Another SHA is another request.
  nock(API).get(`${R}/pulls/${PR}/files`).query({ per_page: "100", page: "1" }).reply(200, []);
  expect(await prFilesAt(app.services, { ...KEY, headSha: SHA2 })).toEqual([]);
  expect(nock.pendingMocks()).toEqual([]);
});

test("GitHub's file entries: renames, deletions, binaries and diffs too large to show", () => {
  const base = { additions: 0, deletions: 0, sha: "b" };
  expect(toFileDiff({ ...base, filename: "new.ts", previous_filename: "old.ts", status: "renamed" })).toEqual(
    expect.objectContaining({
      path: "new.ts",
      oldPath: "old.ts",
      status: "renamed",
      binary: false,
      hunks: [],
    }),
  );
  expect(
    toFileDiff({
      ...base,
      filename: "gone.ts",
      status: "removed",
      deletions: 3,
      patch: "@@ -1,3 +0,0 @@\n-a\n-b\n-c",
    }),
  ).toEqual(expect.objectContaining({ status: "deleted", binary: false, deletions: 3 }));
  expect(toFileDiff({ ...base, filename: "logo.png", status: "added" })).toEqual(
    expect.objectContaining({ status: "added", binary: true, hunks: [] }),
  );
  expect(toFileDiff({ ...base, filename: "huge.sql", status: "modified", additions: 90000 })).toEqual(
    expect.objectContaining({ binary: false, hunks: [], additions: 90000 }),
  );
});

test("agent inputs: a PR run reads the diff and PR text, an issue run the issue text", async () => {
  h = await startRunsApp();
  const app = h;
  nock(API)
    .get(`${R}/pulls/${PR}/files`)
    .query({ per_page: "100", page: "1" })
    .reply(200, [file(0)]);
  const inputs = githubAgentInputs(app.services);
  const pr = await inputs(newRunState({ id: "r1", plan, facts: facts("pull_request"), createdAt: 0 }));
  expect([pr.files.map((f) => f.path), pr.pr, pr.issue]).toEqual([
    ["src/f0.ts"],
    { title: "The title", body: "The body" },
    null,
  ]);
  const issue = await inputs(newRunState({ id: "r2", plan, facts: facts("issue"), createdAt: 0 }));
  expect(issue).toEqual({ files: [], pr: null, issue: { title: "The title", body: "The body" } });
  expect(nock.pendingMocks()).toEqual([]);
});
