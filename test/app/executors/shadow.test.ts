import nock from "nock";
import { afterEach, describe, expect, test } from "vitest";
import { fingerprintsIn } from "../../../src/core/findings/finding-fingerprint.js";
import { ShadowStore } from "../../../src/db/shadow-store.js";
import { TOKEN } from "../../dashboard/fixtures.js";
import { serve } from "../../helpers/serve-handler.js";
import { PATCH_V1, T0 } from "../e2e-fixtures.js";
import {
  appComment,
  type LearningFlow,
  LOG_COMMENT,
  mockPermission,
  PR,
  problems,
  push,
  REPO_NAME,
  replyEvent,
  since,
  tick,
} from "../findings/learning-fixtures.js";
import { API, APP_DATABASES, R, startApp } from "../harness.js";

// Shadow models through the whole app (spec "Shadow models"): a persona shadowed by another model reviews the PR
// on both, only the primary's findings are posted and decide the check run, the shadow's are stored; a writer's
// judgement of the posted finding is inherited by the shadow's finding with the same fingerprint.

const LLM = "https://llm.test";
const PRIMARY = "gpt-4o-mini";
const SHADOW = "gpt-4.1";
const ENV = {
  OPENAI_API_KEY: "sk-test-0123456789abcdef",
  OPENAI_BASE_URL: `${LLM}/v1`,
  DASHBOARD_TOKEN: TOKEN,
};

function yaml(shadow: boolean): string {
  return `version: 1
agents:
  reviewer:
    model: ${PRIMARY}
${shadow ? `    shadow: ${SHADOW}\n` : ""}workflows:
  ship:
    name: Ship
    on:
      pull_request:
    phases:
      review:
        name: Review
        steps:
          - { id: code-review, uses: review, agent: reviewer, fail_on: high }
`;
}

const finding = (line: number, severity: string, title: string) => ({
  file: "src/app.ts",
  line,
  severity,
  title,
  body: "What is wrong and how to fix it.",
  suggestion: null,
});

/**
 * Per model: the primary flags the console.log (medium); the shadow flags it too, as a blocker, and the TODO (a
 * blocker). Each answer's usage is what the step is charged.
 */
const ANSWERS: Record<string, { findings: unknown[]; prompt: number; completion: number }> = {
  [PRIMARY]: { findings: [finding(2, "medium", "Debug output left in")], prompt: 100, completion: 20 },
  [SHADOW]: {
    findings: [finding(2, "blocker", "Debug output left in"), finding(3, "blocker", "Hack left in place")],
    prompt: 200,
    completion: 40,
  },
};

/** The model endpoint: answers each chat completion by its model; the models asked, in order. */
function mockModels(): string[] {
  const asked: string[] = [];
  nock(LLM)
    .persist()
    .post("/v1/chat/completions")
    .reply(async (req: Request) => {
      const body = (await req.json()) as { model: string };
      asked.push(body.model);
      const answer = ANSWERS[body.model];
      if (!answer) return [404, { error: { message: `no model ${body.model}` } }];
      const content = JSON.stringify({ summary: `${body.model} reviewed.`, findings: answer.findings });
      return [
        200,
        {
          id: "chatcmpl-1",
          object: "chat.completion",
          created: 1,
          model: body.model,
          choices: [
            { index: 0, finish_reason: "stop", message: { role: "assistant", content, refusal: null } },
          ],
          usage: {
            prompt_tokens: answer.prompt,
            completion_tokens: answer.completion,
            total_tokens: answer.prompt + answer.completion,
          },
        },
      ];
    });
  return asked;
}

let flows: LearningFlow[] = [];
afterEach(async () => {
  const seen = flows.flatMap((f) => problems(f.h));
  await Promise.all(flows.map((f) => f.h.stop()));
  flows = [];
  nock.cleanAll();
  expect(seen).toEqual([]);
});

async function boot(database: (typeof APP_DATABASES)[number]): Promise<LearningFlow> {
  const clock = { t: T0 };
  const h = await startApp({
    database,
    reporting: true,
    now: () => clock.t,
    env: ENV,
    backoff: { serverErrorBaseMs: 1, serverErrorRetries: 0, secondaryBaseMs: 1 },
  });
  const f: LearningFlow = { h, clock, reviews: [], checkRuns: [], seen: 0 };
  flows.push(f);
  return f;
}

/** Check runs answered (ids from 100), their bodies kept. */
function mockCheckRuns(f: LearningFlow): void {
  let id = 100;
  nock(API)
    .persist()
    .post(`${R}/check-runs`)
    .reply(async (req: Request) => {
      f.checkRuns.push((await req.json()) as Record<string, unknown>);
      return [201, { id: id++ }];
    })
    .patch(/\/repos\/acme\/widgets\/check-runs\/\d+$/)
    .reply(async (req: Request) => {
      f.checkRuns.push((await req.json()) as Record<string, unknown>);
      return [200, {}];
    })
    .get(/\/repos\/acme\/widgets\/commits\/[0-9a-f]+\/check-runs/)
    .reply(200, { total_count: 0, check_runs: [] });
}

/** What GitHub was shown, run ids and timings aside. */
function shown(f: LearningFlow, runId: string): string {
  return JSON.stringify({ reviews: f.reviews, checkRuns: f.checkRuns })
    .replaceAll(runId, "<run>")
    .replace(/\d+(\.\d+)? ?m?s\b/g, "<t>");
}

type Comment = { path: string; line: number; body: string };

/** The Shadows page's rows, as the cells' text and the precision cells' titles. */
async function shadowsPage(f: LearningFlow): Promise<string[][]> {
  const server = await serve(f.h.http);
  try {
    const html = await (
      await fetch(`${server.url}/agents/shadows`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).text();
    return [...html.matchAll(/<tr class="shadow-row">(.*?)<\/tr>/g)].map((m) =>
      [...(m[1] ?? "").matchAll(/<td class="([^"]*)"(?: title="([^"]*)")?>(.*?)<\/td>/g)]
        .filter((c) => !(c[1] ?? "").includes("latency"))
        .map((c) => (c[2] ? `${c[3]} (${c[2]})` : (c[3] ?? ""))),
    );
  } finally {
    await server.close();
  }
}

describe.each(APP_DATABASES)("shadow models (%s)", (database) => {
  test("the shadow's blocker is stored, never posted, never in the verdict; a writer's `wrong` on the posted finding is inherited by the shadow's", async () => {
    // The same PR without a shadow: what GitHub must be shown with one, too.
    const plain = await boot(database);
    const plainModels = mockModels();
    mockCheckRuns(plain);
    await push(plain, yaml(false), PATCH_V1);
    expect(plainModels).toEqual([PRIMARY]);
    const [plainRun] = await plain.h.services.github.runIdsFor(REPO_NAME, PR);
    await plain.h.stop();
    flows = flows.filter((x) => x !== plain);
    nock.cleanAll();

    const f = await boot(database);
    const asked = mockModels();
    mockCheckRuns(f);
    await push(f, yaml(true), PATCH_V1);

    // Both models were asked; GitHub saw the PR read, the review and the check runs, as without a shadow.
    expect(asked.sort()).toEqual([SHADOW, PRIMARY].sort());
    expect(since(f)).toEqual([
      `GET ${R}/contents/.agents%2Fworkflow.yaml?ref=main`,
      `GET ${R}/pulls/${PR}`,
      `GET ${R}/pulls/${PR}/files?per_page=100&page=1`,
      `POST ${R}/pulls/${PR}/reviews`,
    ]);
    const [runId] = await f.h.services.github.runIdsFor(REPO_NAME, PR);
    expect(shown(f, runId as string)).toBe(shown(plain, plainRun as string));

    // Only the primary's finding is posted; the check run passes (fail_on: high, the shadow's blockers unseen).
    const comments = (f.reviews[0]?.comments ?? []) as Comment[];
    expect(comments.map((c) => [c.path, c.line, c.body.split("\n")[0]])).toEqual([
      ["src/app.ts", 2, "**[medium] Debug output left in** · `code-review`"],
    ]);
    expect(JSON.stringify(f.reviews)).not.toContain("blocker");
    expect(JSON.stringify(f.reviews)).not.toContain("Hack left in place");
    expect(JSON.stringify(f.checkRuns)).not.toContain("Hack left in place");
    const conclusions = f.checkRuns.map((c) => c.conclusion).filter(Boolean);
    expect(conclusions.length).toBeGreaterThan(0);
    expect(conclusions.every((c) => c === "success")).toBe(true);
    const run = await f.h.services.store.loadRun(runId as string);
    expect(run?.status).toBe("succeeded");
    expect(run?.tokens).toBe(120); // the primary's only
    const step = run?.steps.get("code-review");
    expect(step?.output?.findings?.map((x) => [x.severity, x.title])).toEqual([
      ["medium", "Debug output left in"],
    ]);

    // The shadow_runs row: both sides, the shared fingerprint on both.
    const posted = fingerprintsIn(comments[0]?.body ?? "")[0];
    expect(posted).toMatch(/^[0-9a-f]{16}$/);
    const rows = await new ShadowStore(f.h.db.db).runs();
    expect(rows.map((r) => ({ ...r, latencyMs: 0, primaryLatencyMs: 0 }))).toEqual([
      {
        runId,
        stepId: "code-review",
        repo: REPO_NAME,
        number: PR,
        persona: "reviewer",
        primaryModel: PRIMARY,
        model: SHADOW,
        stepKind: "review",
        findings: [
          {
            fingerprint: posted,
            severity: "blocker",
            title: "Debug output left in",
            file: "src/app.ts",
            line: 2,
            taskType: "ts",
            state: "open",
          },
          {
            fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
            severity: "blocker",
            title: "Hack left in place",
            file: "src/app.ts",
            line: 3,
            taskType: "ts",
            state: null,
          },
        ],
        primaryFindings: [
          {
            fingerprint: posted,
            severity: "medium",
            title: "Debug output left in",
            file: "src/app.ts",
            line: 2,
            taskType: "ts",
            state: "open",
          },
        ],
        tokens: 240,
        primaryTokens: 120,
        latencyMs: 0,
        primaryLatencyMs: 0,
        error: null,
        at: T0,
      },
    ]);
    expect(await shadowsPage(f)).toEqual([
      [
        REPO_NAME,
        "reviewer",
        PRIMARY,
        SHADOW,
        "1",
        "0",
        "1",
        "2",
        "0.50",
        "— (0 of 0 judged right)",
        "— (0 of 0 judged right)",
        "120",
        "240",
      ],
    ]);

    // carol (write) judges the posted finding wrong.
    tick(f);
    mockPermission("carol", "write");
    nock(API)
      .get(`${R}/pulls/comments/${LOG_COMMENT}`)
      .reply(200, appComment(LOG_COMMENT, comments[0]?.body ?? ""));
    nock(API).post(`${R}/pulls/${PR}/comments/${LOG_COMMENT}/replies`).reply(201, { id: 6100 });
    await f.h.receiveSigned(
      "pull_request_review_comment",
      replyEvent(f, "carol", LOG_COMMENT, "/agents wrong the logger is configured here", 6001),
    );
    expect(since(f)).toEqual([
      `GET ${R}/collaborators/carol/permission`,
      `GET ${R}/pulls/comments/${LOG_COMMENT}`,
      `POST ${R}/pulls/${PR}/comments/${LOG_COMMENT}/replies`,
    ]);
    // The shadow's same-fingerprint finding is judged wrong too (read from the ledger, not copied).
    const [after] = await new ShadowStore(f.h.db.db).runs();
    expect(after?.findings.map((x) => [x.title, x.state])).toEqual([
      ["Debug output left in", "wrong"],
      ["Hack left in place", null],
    ]);
    expect(await shadowsPage(f)).toEqual([
      [
        REPO_NAME,
        "reviewer",
        PRIMARY,
        SHADOW,
        "1",
        "0",
        "1",
        "2",
        "0.50",
        "0.00 (0 of 1 judged right)",
        "0.00 (0 of 1 judged right)",
        "120",
        "240",
      ],
    ]);
  });
});
