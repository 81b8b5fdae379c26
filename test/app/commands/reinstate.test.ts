import nock from "nock";
import { afterEach, describe, expect, test } from "vitest";
import { DEFAULT_ERROR_BUDGET } from "../../../src/core/run/plan.js";
import { T0 } from "../e2e-fixtures.js";
import { API, APP_DATABASES, type AppHarness, example, R, startApp } from "../harness.js";
import { requestsMade } from "../runs-fixtures.js";

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
  nock.cleanAll();
});

const PR = 2;
const comment = (login: string, text: string, id: number) =>
  example("issue_comment", "created", {
    issue: { number: PR, pull_request: { url: `${API}${R}/pulls/${PR}` } },
    comment: { id, body: text, created_at: new Date(T0).toISOString(), user: { login, type: "User" } },
    sender: { login, type: "User" },
  });

/** `login`'s permission, as often as asked (each replica caches its own answers for up to 60 s). */
function permission(login: string, role: string): void {
  nock(API)
    .persist()
    .get(`${R}/collaborators/${login}/permission`)
    .optionally()
    .reply(200, { permission: role, role_name: role, user: { login } });
}

/** 👀 on comment `id` and the reply, kept. */
function answer(id: number, replies: unknown[]): void {
  nock(API)
    .post(`${R}/issues/comments/${id}/reactions`, { content: "eyes" })
    .reply(201, {})
    .post(`${R}/issues/${PR}/comments`)
    .reply(async (req: Request) => {
      replies.push(await req.json());
      return [201, { id: 1 }];
    });
}

describe.each(APP_DATABASES)("/agents reinstate (%s)", (database) => {
  test("a writer is refused with a reply; a maintainer ends the suspension, audited; again: nothing to reinstate", async () => {
    h = await startApp({ database, now: () => T0 });
    const governance = h.services.governance;
    for (let i = 0; i < 3; i++) {
      await governance.record(
        {
          repo: "acme/widgets",
          persona: "reviewer",
          model: "gpt-a",
          error: "boom",
          at: T0 - 1000 + i,
          runId: "x",
          stepId: "s",
        },
        DEFAULT_ERROR_BUDGET,
      );
    }
    expect(await governance.suspension("acme/widgets", "reviewer", "gpt-a", T0)).not.toBeNull();
    const replies: unknown[] = [];

    permission("carol", "write");
    permission("maya", "maintain");
    answer(901, replies);
    await h.receiveSigned("issue_comment", comment("carol", "/agents reinstate reviewer", 901));
    answer(902, replies);
    await h.receiveSigned("issue_comment", comment("maya", "/agents reinstate reviewer", 902));
    answer(903, replies);
    await h.receiveSigned("issue_comment", comment("maya", "/agents reinstate reviewer", 903));

    expect(replies).toEqual([
      {
        body: "@carol: `/agents reinstate reviewer` needs admin or maintain permission (@carol has write access).",
      },
      {
        body: "@maya: agent `reviewer` (gpt-a) reinstated in acme/widgets: its error budget counts from now.",
      },
      { body: "@maya: agent `reviewer` is not suspended in acme/widgets." },
    ]);
    expect(nock.pendingMocks()).toEqual([]);
    expect(requestsMade(h).filter((r) => r.startsWith("POST"))).toHaveLength(6);
    expect(await governance.suspension("acme/widgets", "reviewer", "gpt-a", T0)).toBeNull();
    const audit = await h.services.store.database.kysely
      .selectFrom("audit")
      .select(["actor", "action", "reason"])
      .where("action", "=", "reinstate")
      .execute();
    expect(audit).toEqual([
      { actor: "maya", action: "reinstate", reason: 'agent "reviewer" (gpt-a) in acme/widgets' },
    ]);
  });
});
