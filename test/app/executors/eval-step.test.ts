import nock from "nock";
import { afterEach, describe, expect, test } from "vitest";
import type { RunState } from "../../../src/core/run/run-state.js";
import { mockFiles, mockPull, mockWorkflow, PATCH_V1, prEvent, T0 } from "../e2e-fixtures.js";
import { HEAD, type LearningFlow, PR, problems, REPO_NAME, since } from "../findings/learning-fixtures.js";
import { API, R, startApp } from "../harness.js";
import { CONTENTS } from "../runs-fixtures.js";

// The eval gate through the whole app (spec "Eval gate"): a PR changing `.agents/` has its agent settings
// evaluated beside the default branch's on the default branch's cases. The model endpoint answers by the persona's
// instructions (which the heuristic provider ignores): a reviewer told to "Only report style issues" finds nothing.

const LLM = "https://llm.test";
const ENV = { OPENAI_API_KEY: "sk-test-0123456789abcdef", OPENAI_BASE_URL: `${LLM}/v1` };
const STYLE_ONLY = "Only report style issues.";

/** The workflow file: a reviewer with `instructions`, its review, and the eval gate in a phase of its own. */
function yaml(instructions: string, comment = ""): string {
  return `version: 1
${comment}agents:
  reviewer:
    model: gpt-4o-mini
    instructions: ${instructions}
workflows:
  ship:
    name: Ship
    on:
      pull_request:
    phases:
      review:
        name: Review
        steps:
          - { id: code-review, uses: review, agent: reviewer }
      eval:
        name: Eval
        steps:
          - { id: agents-eval, uses: eval, with: { min_precision: 0.5, min_recall: 0.5 } }
`;
}
const MAIN_YAML = yaml("Report bugs and debugging leftovers.");

/** Two cases on main: a debug leftover (expected on line 2) and a clean change. */
const CASES: Record<string, { diff: string; expected: string }> = {
  "clean-change": {
    diff: `diff --git a/src/price.ts b/src/price.ts
--- a/src/price.ts
+++ b/src/price.ts
@@ -1,2 +1,3 @@
 export const price = 1;
+export const tax = 0.2;
 export const total = 2;
`,
    expected: "[]\n",
  },
  "debug-log": {
    diff: `diff --git a/src/app.ts b/src/app.ts
--- a/src/app.ts
+++ b/src/app.ts
@@ -1,2 +1,3 @@
 export const a = 1;
+console.log("debug", a);
 export const b = 2;
`,
    expected: "- { file: src/app.ts, line: 2, severity: medium, about: debug }\n",
  },
};

const enc = (path: string) => path.replaceAll("/", "%2F");

/** GET of a file on main in the raw media type, answered once. */
function mockRaw(path: string, text: string): void {
  nock(API)
    .get(`${R}/contents/${enc(path)}`)
    .query({ ref: "main" })
    .matchHeader("accept", "application/vnd.github.v3.raw")
    .reply(200, text, { "content-type": "application/vnd.github.raw" });
}

/** GET of the workflow file at the PR's head, answered once. */
function mockHeadWorkflow(text: string): void {
  nock(API)
    .get(CONTENTS)
    .query({ ref: HEAD })
    .matchHeader("accept", "application/vnd.github.v3.raw")
    .reply(200, text, { "content-type": "application/vnd.github.raw" });
}

/**
 * The eval step's reads: the workflow at main and at the head, the cases folder and each case's files at main
 * (`cases`, default `CASES`; `listed` more folders in the listing than are read).
 */
function mockEvalReads(
  headYaml: string,
  cases: Record<string, { diff: string; expected: string }> = CASES,
  listed: readonly string[] = [],
): void {
  mockWorkflow(MAIN_YAML);
  mockHeadWorkflow(headYaml);
  nock(API)
    .get(`${R}/contents/${enc(".agents/evals")}`)
    .query({ ref: "main" })
    .reply(200, [
      ...[...Object.keys(cases), ...listed].map((name) => ({
        type: "dir",
        name,
        path: `.agents/evals/${name}`,
      })),
      { type: "file", name: "README.md", path: ".agents/evals/README.md" },
    ]);
  for (const [name, c] of Object.entries(cases)) {
    mockRaw(`.agents/evals/${name}/change.diff`, c.diff);
    mockRaw(`.agents/evals/${name}/expected.yaml`, c.expected);
  }
}

/** The eval step's GitHub requests, as `since` lists them. */
const EVAL_READS = [
  `GET ${R}/contents/.agents%2Fevals%2Fclean-change%2Fchange.diff?ref=main`,
  `GET ${R}/contents/.agents%2Fevals%2Fclean-change%2Fexpected.yaml?ref=main`,
  `GET ${R}/contents/.agents%2Fevals%2Fdebug-log%2Fchange.diff?ref=main`,
  `GET ${R}/contents/.agents%2Fevals%2Fdebug-log%2Fexpected.yaml?ref=main`,
  `GET ${R}/contents/.agents%2Fevals?ref=main`,
  `GET ${R}/contents/.agents%2Fworkflow.yaml?ref=${HEAD}`,
  `GET ${R}/contents/.agents%2Fworkflow.yaml?ref=main`,
];
/** The run's own start: the workflow at main, the PR and its files. */
const RUN_READS = [
  `GET ${R}/contents/.agents%2Fworkflow.yaml?ref=main`,
  `GET ${R}/pulls/${PR}`,
  `GET ${R}/pulls/${PR}/files?per_page=100&page=1`,
];

/** A PR that edits the workflow file gets its new file checked (`agents / workflow file`): one more read. */
const FILE_CHECK_READS = [`GET ${R}/contents/.agents%2Fworkflow.yaml?ref=${HEAD}`];

interface ModelCall {
  readonly system: string;
  readonly user: string;
}

/**
 * The model: flags a `console.log` line of `src/app.ts` (line 2) as debug output, unless the system prompt (where
 * the persona's instructions go) says to report style issues only. 100 prompt and 20 completion tokens a call.
 */
function mockModel(): ModelCall[] {
  const calls: ModelCall[] = [];
  nock(LLM)
    .persist()
    .post("/v1/chat/completions")
    .reply(async (req: Request) => {
      const body = (await req.json()) as { model: string; messages: { role: string; content: string }[] };
      const system = body.messages.filter((m) => m.role === "system").map((m) => m.content);
      const user = body.messages.filter((m) => m.role !== "system").map((m) => m.content);
      const call = { system: system.join("\n"), user: user.join("\n") };
      calls.push(call);
      const flags = !call.system.includes(STYLE_ONLY) && /console\.log/.test(call.user);
      const findings = flags
        ? [
            {
              file: "src/app.ts",
              line: 2,
              severity: "medium",
              title: "Debug output left in",
              body: "A console.log debug call; remove it before merging.",
              suggestion: null,
              confidence: 0.9,
            },
          ]
        : [];
      const content = JSON.stringify({ summary: "Reviewed.", findings });
      return [
        200,
        {
          id: `chatcmpl-${calls.length}`,
          object: "chat.completion",
          created: 1,
          model: body.model,
          choices: [
            { index: 0, finish_reason: "stop", message: { role: "assistant", content, refusal: null } },
          ],
          usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
        },
      ];
    });
  return calls;
}

let flows: LearningFlow[] = [];
afterEach(async () => {
  const seen = flows.flatMap((f) => problems(f.h));
  await Promise.all(flows.map((f) => f.h.stop()));
  flows = [];
  nock.cleanAll();
  expect(seen).toEqual([]);
});

async function boot(env: Record<string, string> = ENV): Promise<LearningFlow> {
  const h = await startApp({
    reporting: true,
    now: () => T0,
    env,
    backoff: { serverErrorBaseMs: 1, serverErrorRetries: 0, secondaryBaseMs: 1 },
  });
  const f: LearningFlow = { h, clock: { t: T0 }, reviews: [], checkRuns: [], seen: 0 };
  flows.push(f);
  // Check runs answered with ids from 100; each body kept with the id it was written to.
  let id = 100;
  nock(API)
    .persist()
    .post(`${R}/check-runs`)
    .reply(async (req: Request) => {
      f.checkRuns.push({ ...((await req.json()) as Record<string, unknown>), id });
      return [201, { id: id++ }];
    })
    .patch(/\/repos\/acme\/widgets\/check-runs\/\d+$/)
    .reply(async (req: Request) => {
      const to = Number(new URL(req.url).pathname.split("/").at(-1));
      f.checkRuns.push({ ...((await req.json()) as Record<string, unknown>), id: to });
      return [200, {}];
    })
    .get(/\/repos\/acme\/widgets\/commits\/[0-9a-f]+\/check-runs/)
    .reply(200, { total_count: 0, check_runs: [] });
  return f;
}

/**
 * `pull_request.opened` whose only change is `.agents/workflow.yaml` (`patch`, the new file `headYaml`): the
 * run's reads, and the PR's file read for its own check (`agents / workflow file`).
 */
async function openAgentsPr(f: LearningFlow, patch: string, headYaml: string): Promise<void> {
  mockWorkflow(MAIN_YAML);
  mockHeadWorkflow(headYaml);
  mockPull();
  const lines = patch.split("\n");
  const additions = lines.filter((l) => l.startsWith("+")).length;
  const deletions = lines.filter((l) => l.startsWith("-")).length;
  nock(API)
    .get(`${R}/pulls/${PR}/files`)
    .query({ per_page: "100", page: "1" })
    .reply(200, [
      {
        filename: ".agents/workflow.yaml",
        status: "modified",
        additions,
        deletions,
        changes: additions + deletions,
        sha: "blob-yaml",
        patch,
      },
    ]);
  await f.h.receiveSigned("pull_request", prEvent("opened"));
}

async function theRun(f: LearningFlow): Promise<RunState> {
  const [id] = await f.h.services.github.runIdsFor(REPO_NAME, PR);
  const run = await f.h.services.store.loadRun(id as string);
  if (!run) throw new Error("no run");
  return run;
}

/** What the Eval phase's check run shows last: its creation and every update merged. */
function evalCheckRun(f: LearningFlow): Record<string, unknown> {
  const id = f.checkRuns.find((c) => c.name === "agents / Eval")?.id;
  if (id === undefined) throw new Error("no Eval check run");
  return Object.assign({}, ...f.checkRuns.filter((c) => c.id === id));
}

const HEADER = [
  "| step | kind | model | TP | FP | missed | precision | recall | F1 | tokens |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
];
const CASES_LINE =
  "2 cases of `.agents/evals` on `main` (1 expected finding). The verdict compares the `all steps` rows: every agent step on its default model, findings together.";

describe("the eval gate", () => {
  test("a PR that tells the reviewer to report style issues only loses the recall: the step fails, the check run shows both tables", async () => {
    const f = await boot();
    const calls = mockModel();
    const headYaml = yaml(STYLE_ONLY);
    mockEvalReads(headYaml);
    const patch = `@@ -4,3 +4,3 @@\n     model: gpt-4o-mini\n-    instructions: Report bugs and debugging leftovers.\n+    instructions: ${STYLE_ONLY}\n workflows:`;
    await openAgentsPr(f, patch, headYaml);

    expect(since(f)).toEqual([...RUN_READS, ...FILE_CHECK_READS, ...EVAL_READS].sort());
    expect(nock.pendingMocks().filter((m) => !m.includes("check-runs") && !m.includes("llm.test"))).toEqual(
      [],
    );

    // One call for the PR's own review (the default branch's instructions), then 2 cases on each side.
    expect(calls).toHaveLength(5);
    expect(calls.filter((c) => c.system.includes(STYLE_ONLY))).toHaveLength(2);
    expect(calls.filter((c) => c.system.includes("Report bugs and debugging leftovers."))).toHaveLength(3);

    const run = await theRun(f);
    const step = run.steps.get("agents-eval");
    const error =
      "recall 0.00 is below min_recall 0.5; recall 0.00 is 100 points below the default branch's 1.00";
    const text = [
      "**Pull request** (`ec26c3e`)",
      "",
      ...HEADER,
      "| code-review | review | gpt-4o-mini | 0 | 0 | 1 | 1.00 | 0.00 | 0.00 | 240 |",
      "| all steps |  | default | 0 | 0 | 1 | 1.00 | 0.00 | 0.00 | 240 |",
      "",
      "**Default branch** (`main`)",
      "",
      ...HEADER,
      "| code-review | review | gpt-4o-mini | 1 | 0 | 0 | 1.00 | 1.00 | 1.00 | 240 |",
      "| all steps |  | default | 1 | 0 | 0 | 1.00 | 1.00 | 1.00 | 240 |",
      "",
      CASES_LINE,
      "",
      "- ✗ recall 0.00 is below min_recall 0.5\n- ✗ recall 0.00 is 100 points below the default branch's 1.00",
    ].join("\n");
    expect(step).toMatchObject({
      status: "failed",
      error,
      tokens: 480,
      output: {
        summary: "PR: precision 1.00 · recall 0.00 — default branch: precision 1.00 · recall 1.00",
        text,
        data: {
          pr: { precision: 1, recall: 0, f1: 0 },
          base: { precision: 1, recall: 1, f1: 1 },
          cases: 2,
          tokens: 480,
        },
      },
    });
    // The PR's settings ran nothing else: its own review used the default branch's and passed.
    expect(run.steps.get("code-review")).toMatchObject({ status: "succeeded", tokens: 120 });
    expect(run.tokens).toBe(600);
    expect(run.status).toBe("failed");

    const check = evalCheckRun(f);
    expect(check).toMatchObject({ conclusion: "failure" });
    const output = check.output as { title: string; summary: string; text: string };
    expect(output.title).toBe(`agents-eval failed: ${error}`);
    expect(output.text).toBe(`### \`agents-eval\`\n\n${text}`);
  });

  test("a PR that only adds a comment to the workflow file passes: the same figures on both sides", async () => {
    const f = await boot();
    const calls = mockModel();
    const comment = "# The reviewer's instructions are the platform team's.";
    const headYaml = yaml("Report bugs and debugging leftovers.", `${comment}\n`);
    mockEvalReads(headYaml);
    await openAgentsPr(f, `@@ -1,2 +1,3 @@\n version: 1\n+${comment}\n agents:`, headYaml);

    expect(since(f)).toEqual([...RUN_READS, ...FILE_CHECK_READS, ...EVAL_READS].sort());
    expect(calls).toHaveLength(5);
    const run = await theRun(f);
    expect(run.steps.get("agents-eval")).toMatchObject({
      status: "succeeded",
      tokens: 480,
      output: {
        summary: "PR: precision 1.00 · recall 1.00 — default branch: precision 1.00 · recall 1.00",
      },
    });
    const text = run.steps.get("agents-eval")?.output?.text ?? "";
    expect(text).toContain(
      `${CASES_LINE}\n\n- ✓ meets min_precision 0.5 and min_recall 0.5, within 5 points of the default branch's precision and recall`,
    );
    expect(
      text.match(/\| all steps \| {2}\| default \| 1 \| 0 \| 0 \| 1\.00 \| 1\.00 \| 1\.00 \| 240 \|/g),
    ).toHaveLength(2);
    expect(run.status).toBe("succeeded");
    expect(evalCheckRun(f)).toMatchObject({ conclusion: "success" });
  });

  test("a PR that changes no file under .agents/: nothing to evaluate, no contents read, no model call for it", async () => {
    const f = await boot();
    const calls = mockModel();
    mockWorkflow(MAIN_YAML);
    mockPull();
    mockFiles(PATCH_V1);
    nock(API).post(`${R}/pulls/${PR}/reviews`).reply(200, { id: 900 });
    await f.h.receiveSigned("pull_request", prEvent("opened"));

    expect(since(f)).toEqual([...RUN_READS, `POST ${R}/pulls/${PR}/reviews`].sort());
    expect(calls).toHaveLength(1); // the PR's own review
    const run = await theRun(f);
    expect(run.steps.get("agents-eval")).toMatchObject({
      status: "succeeded",
      tokens: 0,
      output: { summary: "nothing to evaluate: the pull request changes no file under .agents/" },
    });
    expect(run.status).toBe("succeeded");
  });

  test("a PR whose workflow file names a model the server does not allow fails with the errors; no case is read", async () => {
    const f = await boot({ ...ENV, PHASEGATE_ALLOWED_MODELS: "gpt-4o-mini" });
    const calls = mockModel();
    const headYaml = MAIN_YAML.replace("model: gpt-4o-mini", "model: gpt-4.1");
    mockWorkflow(MAIN_YAML);
    mockHeadWorkflow(headYaml);
    await openAgentsPr(
      f,
      "@@ -3,3 +3,3 @@\n   reviewer:\n-    model: gpt-4o-mini\n+    model: gpt-4.1\n",
      headYaml,
    );

    expect(since(f)).toEqual(
      [
        ...RUN_READS,
        ...FILE_CHECK_READS,
        `GET ${R}/contents/.agents%2Fworkflow.yaml?ref=main`,
        `GET ${R}/contents/.agents%2Fworkflow.yaml?ref=${HEAD}`,
      ].sort(),
    );
    expect(calls).toHaveLength(1); // the PR's own review, on the default branch's model
    const step = (await theRun(f)).steps.get("agents-eval");
    expect(step?.status).toBe("failed");
    expect(step?.tokens).toBe(0);
    expect(step?.error).toMatch(
      /^the pull request's \.agents\/workflow\.yaml is not valid \(1 error\):\n\.agents\/workflow\.yaml:4:12 .*gpt-4\.1.*$/,
    );
  });

  test("at most 50 cases: the first 50 by name are read and evaluated, the check run says so", async () => {
    const f = await boot({}); // the heuristic provider: no model, no tokens
    const debugLog = CASES["debug-log"] as { diff: string; expected: string };
    const cases = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`case-${String(i).padStart(2, "0")}`, debugLog]),
    );
    const headYaml = yaml("Report bugs and debugging leftovers.", "# a comment\n");
    mockEvalReads(headYaml, cases, ["case-50", "case-51"]);
    await openAgentsPr(f, "@@ -1,2 +1,3 @@\n version: 1\n+# a comment\n agents:", headYaml);

    const reads = since(f).filter((r) => r.includes("evals%2F"));
    expect(reads).toHaveLength(100);
    expect(reads.some((r) => r.includes("case-50"))).toBe(false);
    const step = (await theRun(f)).steps.get("agents-eval");
    expect(step).toMatchObject({
      status: "succeeded",
      tokens: 0,
      output: {
        summary: "PR: precision 1.00 · recall 1.00 — default branch: precision 1.00 · recall 1.00",
        data: { cases: 50 },
      },
    });
    expect(step?.output?.text).toContain(
      "Only the first 50 of the 52 cases in `.agents/evals` (by name) were evaluated: an eval step runs at most 50.",
    );
  });
});
