import nock from "nock";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  bootE2E,
  HEAD,
  mockCreateCheckRun,
  mockFiles,
  mockPull,
  mockWorkflow,
  PR,
  prEvent,
  requests,
  runsOfPr,
  type Unexpected,
  watchUnexpected,
} from "./e2e-fixtures.js";
import type { AppHarness } from "./harness.js";
import { APP_DATABASES, R } from "./harness.js";
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

/** Two mistakes: a misspelt step kind (line 10) and a misspelt key (line 13). */
const INVALID_YAML = `version: 1
workflows:
  ship:
    on:
      pull_request:
    phases:
      review:
        steps:
          - id: code-review
            uses: reveiw
          - id: security
            uses: security
            fail_onn: high
`;

const KIND_ERROR =
  'step "code-review": unknown kind "reveiw" (expected one of review, security, tests, agent, approval, checks, merge, deploy, eval)';
const KEY_ERROR =
  'step "security": unknown key "fail_onn" (expected one of id, name, depends_on, when, if, timeout, continue_on_error, agent, retries, uses, fail_on, with)';

describe.each(APP_DATABASES)("end to end on %s", (database) => {
  test("an invalid workflow file on main: one failing `agents` check with an annotation per error, nothing runs; a redelivery sends nothing; a new delivery only reads", async () => {
    const e = await bootE2E(database);
    h = e.h;
    mockWorkflow(INVALID_YAML);
    mockPull();
    mockFiles();
    const seen: Record<string, unknown>[] = [];
    mockCreateCheckRun(
      301,
      expectCheck((b) => {
        seen.push(b);
      }),
    );
    await h.receive("pull_request", prEvent("opened"), "delivery-1");
    expect(unexpected).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
    expect(requests(h)).toEqual([
      `GET ${CONTENTS}?ref=main`,
      `GET ${R}/pulls/${PR}`,
      `GET ${R}/pulls/${PR}/files?per_page=100&page=1`,
      `POST ${R}/check-runs`,
    ]);
    const [check] = seen;
    const output = check?.output as { summary: string; annotations: unknown[] };
    expect(output.annotations).toEqual([
      {
        path: ".agents/workflow.yaml",
        start_line: 10,
        end_line: 10,
        start_column: 19,
        end_column: 19,
        annotation_level: "failure",
        title: "Invalid workflow file",
        message: KIND_ERROR,
      },
      {
        path: ".agents/workflow.yaml",
        start_line: 13,
        end_line: 13,
        start_column: 13,
        end_column: 13,
        annotation_level: "failure",
        title: "Invalid workflow file",
        message: KEY_ERROR,
      },
    ]);
    expect(output.summary).toContain(
      `- .agents/workflow.yaml:10:19 ${KIND_ERROR}\n- .agents/workflow.yaml:13:13 ${KEY_ERROR}\n`,
    );
    expect(await runsOfPr(h)).toEqual([]);

    // The same delivery again (GitHub's redelivery): a no-op, not even a read.
    await h.receive("pull_request", prEvent("opened"), "delivery-1");
    expect(requests(h)).toHaveLength(4);

    // A new delivery for the same head (e.g. `labeled`): the file and the PR are read again (that is how the
    // app learns the head SHA), the files come from the per-SHA memo, and the ledger says the check is there.
    mockWorkflow(INVALID_YAML);
    mockPull();
    await h.receive("pull_request", prEvent("reopened"), "delivery-2");
    expect(unexpected).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
    expect(requests(h).slice(4)).toEqual([`GET ${CONTENTS}?ref=main`, `GET ${R}/pulls/${PR}`]);
    expect(await runsOfPr(h)).toEqual([]);
  });
});

/** The failing `agents` check: completed, no run id, the title counting the errors; `then` sees the body. */
function expectCheck(then: (b: Record<string, unknown>) => void): Record<string, unknown> {
  const matcher = {
    name: "agents",
    head_sha: HEAD,
    status: "completed",
    conclusion: "failure",
    output: {
      title: ".agents/workflow.yaml is invalid: 2 errors",
      summary: expect.stringMatching(
        /^Nothing ran: phasegate reads `\.agents\/workflow\.yaml` from the default branch \(`main`\), and it has 2 errors:\n\n- [^\n]+\n- [^\n]+\n\nFix the file on `main`; `phasegate validate` checks it locally\.$/,
      ),
      annotations: expect.any(Array),
    },
  };
  return {
    asymmetricMatch: (actual: Record<string, unknown>) => {
      try {
        expect(actual).toEqual(matcher);
      } catch {
        return false;
      }
      then(actual);
      return true;
    },
  } as unknown as Record<string, unknown>;
}
