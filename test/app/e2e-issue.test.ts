import nock from "nock";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  APPROVER,
  auditRows,
  body,
  bootE2E,
  HEURISTIC,
  ISSUE,
  mockPermission,
  mockWorkflow,
  requests,
  runsOfPr,
  stepsTable,
  type Unexpected,
  watchUnexpected,
  withMarker,
} from "./e2e-fixtures.js";
import { API, APP_DATABASES, type AppHarness, example, R } from "./harness.js";
import { CONTENTS } from "./runs-fixtures.js";

let h: AppHarness | undefined;
let unexpected: Unexpected[] = [];
beforeEach(() => {
  unexpected = watchUnexpected();
});
afterEach(async () => {
  await h?.stop();
  h = undefined;
  nock.cleanAll();
});

const PLAN_YAML = `version: 1
workflows:
  plan:
    template: plan
    on:
      issues:
        labels: [agents:plan]
`;
const PLAN_COMMENT = 601;
const STATUS_COMMENT = 602;
const COMMAND_COMMENT = 77;

const DRAFT_TEXT =
  `${HEURISTIC}: no language model is configured (OPENAI_API_KEY is not set), so this step's prompt was not run ` +
  "and nothing here was written by a model.";
/** The draft's result cell: its first line, cut to fit the table. */
const DRAFT_CELL = `${HEURISTIC}: no language model is configured (OPENAI_API_KEY is not set), so this step's prompt w…`;

/** The status comment. An issue run has no commit, so the gate's texts name none ("needs 1 approval"). */
function statusBody(headline: string, gate: readonly string[], waiting: string | null): unknown {
  return withMarker(
    [
      `**agents: Plan** ${headline}`,
      stepsTable([["draft-plan", "succeeded", "0ms", "0", DRAFT_CELL], gate]),
      ...(waiting
        ? [
            `**Waiting for approval**\n- \`plan-approval\`: ${waiting}. Can approve: anyone with write access, by commenting \`/agents approve plan-approval\`.`,
          ]
        : []),
      "",
    ].join("\n\n"),
    "status",
  );
}

function mockIssue(): void {
  nock(API)
    .get(`${R}/issues/${ISSUE}`)
    .reply(200, {
      number: ISSUE,
      state: "open",
      user: { login: "Codertocat", type: "User" },
      labels: [{ name: "agents:plan" }],
      title: "Spelling error in the README file",
      body: "It looks like you accidently spelled 'commit' with two 't's.",
    });
}

describe.each(APP_DATABASES)("end to end on %s", (database) => {
  test("issue workflow: labeled → the plan is posted, a status comment when the gate waits; `/agents approve` by a writer → 👀, permission, run succeeds, status edited", async () => {
    const e = await bootE2E(database);
    h = e.h;

    // 1. issues.labeled `agents:plan`: the plan step runs (heuristic), its output is posted, the gate waits.
    mockWorkflow(PLAN_YAML);
    mockIssue();
    nock(API)
      .post(
        `${R}/issues/${ISSUE}/comments`,
        body({
          body: withMarker(
            [
              "**`draft-plan`**: model output from heuristic (no model configured), written by a model: check it before acting on it.",
              DRAFT_TEXT,
              "The change has no file differences.",
              "",
            ].join("\n\n"),
            "comment",
            "/draft-plan",
          ),
        }),
      )
      .reply(201, { id: PLAN_COMMENT });
    // The status comment is created as soon as the run waits. Whether the gate's first evaluation has landed by
    // then is a race (see the report): either it is created with the fallback text and edited one interval later
    // with what the gate says it misses, or created with the gate's text at once.
    const status: string[] = [];
    nock(API)
      .post(
        `${R}/issues/${ISSUE}/comments`,
        body({
          body: statusBody(
            "waiting (1 of 2 steps finished)",
            ["plan-approval", "waiting for approval", "—", "—", "—"],
            "needs 1 approval",
          ),
        }),
      )
      .optionally()
      .reply(201, () => {
        status.push("created before the evaluation");
        return { id: STATUS_COMMENT };
      });
    const evaluated = statusBody(
      "waiting (1 of 2 steps finished)",
      ["plan-approval", "waiting for approval", "—", "—", "needs 1 more approval"],
      "needs 1 more approval",
    );
    nock(API)
      .post(`${R}/issues/${ISSUE}/comments`, body({ body: evaluated }))
      .optionally()
      .reply(201, () => {
        status.push("created after the evaluation");
        return { id: STATUS_COMMENT };
      });
    nock(API)
      .patch(`${R}/issues/comments/${STATUS_COMMENT}`, body({ body: evaluated }))
      .optionally()
      .reply(200, () => {
        status.push("edited");
        return { id: STATUS_COMMENT };
      });
    await h.receive(
      "issues",
      example("issues", "labeled", {
        issue: { number: ISSUE },
        label: { name: "agents:plan" },
        sender: { login: "maintainer", type: "User" },
      }),
    );
    expect(unexpected).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
    const edited = status[0] === "created before the evaluation";
    expect(status).toEqual(
      edited ? ["created before the evaluation", "edited"] : ["created after the evaluation"],
    );
    expect(requests(h)).toEqual([
      `GET ${CONTENTS}?ref=main`,
      `GET ${R}/issues/${ISSUE}`,
      `POST ${R}/issues/${ISSUE}/comments`,
      `POST ${R}/issues/${ISSUE}/comments`,
      ...(edited ? [`PATCH ${R}/issues/comments/${STATUS_COMMENT}`] : []),
    ]);
    const [run] = await runsOfPr(h, ISSUE);
    expect(run?.status).toBe("waiting");
    expect(run?.facts.source).toBe("issue");

    // 2. carol (write access) comments `/agents approve` a minute later.
    e.clock.t += 60_000;
    nock(API)
      .post(`${R}/issues/comments/${COMMAND_COMMENT}/reactions`, body({ content: "eyes" }))
      .reply(201, { id: 1, content: "eyes" });
    mockPermission(APPROVER, "write");
    nock(API)
      .patch(
        `${R}/issues/comments/${STATUS_COMMENT}`,
        body({
          body: statusBody(
            "succeeded",
            ["plan-approval", "succeeded", "1m", "—", `approved by @\u200b${APPROVER}`],
            null,
          ),
        }),
      )
      .reply(200, { id: STATUS_COMMENT });
    const before = requests(h).length;
    await h.receive(
      "issue_comment",
      example("issue_comment", "created", {
        issue: { number: ISSUE, pull_request: undefined },
        comment: {
          id: COMMAND_COMMENT,
          body: "/agents approve",
          created_at: new Date(e.clock.t).toISOString(),
          user: { login: APPROVER, type: "User" },
        },
        sender: { login: APPROVER, type: "User" },
      }),
    );
    expect(unexpected).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
    expect(requests(h).slice(before)).toEqual([
      `POST ${R}/issues/comments/${COMMAND_COMMENT}/reactions`,
      `GET ${R}/collaborators/${APPROVER}/permission`,
      `PATCH ${R}/issues/comments/${STATUS_COMMENT}`,
    ]);
    const [done] = await runsOfPr(h, ISSUE);
    expect(done?.status).toBe("succeeded");
    expect(await auditRows(h, done?.id ?? "")).toEqual([
      { actor: "maintainer", action: "run", stepId: null, sha: null, reason: "issues.labeled" },
      { actor: APPROVER, action: "approve", stepId: "plan-approval", sha: "", reason: "comment" },
      {
        actor: APPROVER,
        action: "approve",
        stepId: "plan-approval",
        sha: "",
        reason: "approved by command",
      },
    ]);
  });
});
