import nock from "nock";
import { afterEach, expect, test } from "vitest";
import { Reporter } from "../../../src/app/report/reporter.js";
import { overallCheckRun, phaseCheckRun } from "../../../src/core/present/present.js";
import { planOf } from "../../core/helpers.js";
import { problems } from "../gates-fixture.js";
import { API, type AppHarness, R, startApp } from "../harness.js";
import { exactly, ReportedRun, SHA } from "../report-fixtures.js";

// Two app processes (replicas) on one Postgres database report the same run at the same moment: each check run
// must still be created once. GitHub answers slowly here, so without the run's lock both would POST.

const running: AppHarness[] = [];
afterEach(async () => {
  const seen = running.flatMap((h) => problems(h));
  for (const h of running.splice(0)) await h.stop();
  nock.cleanAll();
  expect(seen).toEqual([]);
});

const plan = planOf({
  review: { name: "Review", steps: ["code-review:review", "security:security"] },
  approve: { name: "Approval", needs: ["review"], steps: ["approval:approval"] },
});

test("two replicas reporting one run at once create each check run once; the later one sends nothing", async () => {
  const a = await startApp({ database: "postgres", reporting: true });
  running.push(a);
  const b = await startApp({ db: a.db, reporting: true });
  running.push(b);
  const run = ReportedRun.of(a, plan);
  const s = run.state;
  const review = s.plan.phases.find((p) => p.id === "review");
  if (!review) throw new Error("no review phase");
  const created = (view: ReturnType<typeof overallCheckRun>, externalId: string) => ({
    name: view.name,
    head_sha: SHA,
    external_id: externalId,
    status: view.status,
    output: view.output,
    actions: view.actions,
  });
  nock(API)
    .post(`${R}/check-runs`, exactly(created(overallCheckRun(s), "run-1")))
    .delay(300)
    .reply(201, { id: 101 })
    .post(`${R}/check-runs`, exactly(created(phaseCheckRun(s, review), "run-1/review")))
    .delay(300)
    .reply(201, { id: 102 });

  // The same change reaches both replicas' reporters (each saw the run change in its own process).
  run.report();
  new Reporter(b.services).onChange(s, []);
  await Promise.all([a.idle(), b.idle()]);

  expect(nock.pendingMocks()).toEqual([]);
  const effects = await a.services.github.effects("run-1", "check:");
  expect(Object.fromEntries([...effects].map(([k, e]) => [k, [e.state, e.githubId]]))).toEqual({
    "check:agents": ["done", "101"],
    "check:agents / Review": ["done", "102"],
  });
});
