import { describe, expect, test } from "vitest";
import type { Finding } from "../../../src/core/findings/finding.js";
import { CHECK_OUTPUT_MAX, type CheckRunView } from "../../../src/core/present/check-run.js";
import {
  actionCommands,
  annotationBatches,
  combineOverall,
  findingFingerprint,
  fingerprintsIn,
  overallCheckRun,
  phaseCheckRun,
  REVIEW_BODY_MAX,
  type ReviewEvent,
  reviewPayload,
} from "../../../src/core/present/present.js";
import { phaseStatus } from "../../../src/core/run/phase-status.js";
import type { RunPlan } from "../../../src/core/run/plan.js";
import type { RunState, StepOutput } from "../../../src/core/run/run-state.js";
import { Driver, planOf, step, T0 } from "../helpers.js";

const HEURISTIC = "heuristic (no model configured)";

function f(
  file: string,
  line: number | null,
  severity: Finding["severity"],
  title: string,
  body = "why",
): Finding {
  return { file, line, severity, title, body };
}

function done(d: Driver, id: string, at: number, output: StepOutput, tokens = 0): void {
  const s = d.step(id);
  d.send({
    type: "step-succeeded",
    at,
    stepId: id,
    worker: s.leaseOwner ?? "",
    attempt: s.attempts,
    output,
    tokens,
  });
}

function failed(d: Driver, id: string, at: number, error: string, output?: StepOutput): void {
  const s = d.step(id);
  d.send({
    type: "step-failed",
    at,
    stepId: id,
    worker: s.leaseOwner ?? "",
    attempt: s.attempts,
    error,
    retryable: false,
    ...(output ? { output } : {}),
  });
}

function phase(run: RunState, id: string) {
  const p = run.plan.phases.find((x) => x.id === id);
  if (!p) throw new Error(`no phase ${id}`);
  return p;
}

/** review (Review) → approve → ship (merge) → deploy. */
const delivery = (): RunPlan =>
  planOf({
    review: { name: "Review", steps: [step("code-review:review", { fail_on: "high" }), "sec:security"] },
    approve: {
      needs: ["review"],
      steps: [step("gate:approval", { with: { count: 1, from: ["@acme/maintainers", "octocat"] } })],
    },
    ship: { needs: ["approve"], steps: ["merge:merge"] },
    deploy: { needs: ["ship"], steps: ["staging:deploy"] },
  });

const HEADER = "| step | state | duration | tokens | result |\n| --- | --- | --- | --- | --- |";

describe("phaseCheckRun", () => {
  test("queued, then in progress", () => {
    const d = Driver.started(delivery());
    expect(phaseCheckRun(d.state, phase(d.state, "approve"))).toEqual({
      name: "agents / approve",
      status: "queued",
      output: { title: "Queued", summary: `${HEADER}\n| \`gate\` | queued | — | — | — |` },
      actions: [],
    });
    d.claim(T0);
    done(d, "sec", T0 + 2000, { summary: "no findings", findings: [] }, 10);
    expect(phaseCheckRun(d.state, phase(d.state, "review"))).toEqual({
      name: "agents / Review",
      status: "in_progress",
      output: {
        title: "1 of 2 steps finished",
        summary: `${HEADER}\n| \`code-review\` | running | — | 0 | — |\n| \`sec\` | succeeded | 2s | 10 | no findings |`,
      },
      actions: [],
    });
  });

  test("success: table, not reviewed, heuristic provider, dashboard link, prose in text", () => {
    const d = Driver.started(delivery());
    d.claim(T0);
    done(
      d,
      "code-review",
      T0 + 90_000,
      {
        summary: "2 findings (1 medium, 1 low)",
        findings: [f("src/a.ts", 3, "medium", "Odd"), f("src/b.ts", null, "low", "File")],
        provider: HEURISTIC,
        notReviewed: [{ path: "package-lock.json", reason: "lockfile" }],
        text: "Looks fine.\n```\nunclosed",
      },
      12_345,
    );
    done(d, "sec", T0 + 2000, { summary: "no findings", findings: [], provider: HEURISTIC });
    expect(
      phaseCheckRun(d.state, phase(d.state, "review"), { dashboardUrl: "https://x.test/agents/runs/1" }),
    ).toEqual({
      name: "agents / Review",
      status: "completed",
      conclusion: "success",
      output: {
        title: "Passed with 2 findings (1 medium, 1 low)",
        summary: [
          HEADER,
          "| `code-review` | succeeded | 1m30s | 12,345 | 2 findings (1 medium, 1 low) |",
          "| `sec` | succeeded | 2s | 0 | no findings |",
          "",
          "**Not reviewed** (1 file):",
          "- `package-lock.json`: lockfile",
          "",
          `Provider: ${HEURISTIC}`,
          "",
          "[Run on the dashboard](https://x.test/agents/runs/1)",
        ].join("\n"),
        text: "### `code-review`\n\nLooks fine.\n```\nunclosed\n```",
      },
      actions: [],
    });
  });

  test("failure: a verdict fails the phase, with a Retry failed button", () => {
    const d = Driver.started(delivery());
    d.claim(T0);
    failed(d, "code-review", T0 + 1000, "1 finding at or above high", {
      summary: "1 finding (1 high)",
      findings: [f("src/a.ts", 1, "high", "Bug")],
    });
    done(d, "sec", T0 + 1000, { summary: "no findings", findings: [] });
    const view = phaseCheckRun(d.state, phase(d.state, "review"));
    expect(view).toEqual({
      name: "agents / Review",
      status: "completed",
      conclusion: "failure",
      output: {
        title: "code-review failed: 1 finding at or above high",
        summary: [
          HEADER,
          "| `code-review` | failed | 1s | 0 | 1 finding at or above high · 1 finding (1 high) |",
          "| `sec` | succeeded | 1s | 0 | no findings |",
        ].join("\n"),
      },
      actions: [
        {
          label: "Retry failed",
          description: "Run this phase's failed steps again",
          identifier: "retry-failed",
        },
      ],
    });
    expect(actionCommands("retry-failed", d.state, phase(d.state, "review"))).toEqual([
      { type: "retry", step: "code-review" },
    ]);
  });

  test("fail closed: timed out, rate limited or over budget is failure, never success", () => {
    const plan = planOf({
      p: [
        step("a:review", { retries: 0, timeout: "1m" }),
        step("b:security", { retries: 0 }),
        step("c:tests", { retries: 0 }),
      ],
    });
    const d = Driver.started(plan);
    d.claim(T0);
    d.send({ type: "tick", at: T0 + 60_000 });
    failed(d, "b", T0 + 60_001, "rate limited by the model provider");
    failed(d, "c", T0 + 60_002, "token budget exhausted: the run used 10 of 10 tokens");
    const view = phaseCheckRun(d.state, phase(d.state, "p"));
    expect([view.status, view.conclusion, view.output.title]).toEqual([
      "completed",
      "failure",
      "3 steps failed",
    ]);
    expect(view.output.summary).toBe(
      [
        HEADER,
        "| `a` | failed | 1m | 0 | timed out after 1m |",
        "| `b` | failed | 1m | 0 | rate limited by the model provider |",
        "| `c` | failed | 1m | 0 | token budget exhausted: the run used 10 of 10 tokens |",
      ].join("\n"),
    );
  });

  test("the conclusion is phaseStatus's in every state of a run", () => {
    const d = Driver.started(delivery());
    d.claim(T0);
    done(d, "code-review", T0 + 1, { summary: "ok", findings: [] });
    done(d, "sec", T0 + 2, { summary: "ok", findings: [] });
    d.claim(T0 + 3);
    d.wait("gate", T0 + 4, "approval");
    d.send({ type: "gate-approved", at: T0 + 5, stepId: "gate", by: ["carol"], sha: d.state.facts.headSha });
    d.claim(T0 + 6);
    failed(d, "merge", T0 + 7, "405: Pull Request is not mergeable");
    for (const t of d.history) {
      for (const p of t.state.plan.phases) {
        const expected = phaseStatus(t.state, p);
        const view = phaseCheckRun(t.state, p);
        expect(view.status).toBe(expected.status);
        expect(view.conclusion).toBe(expected.status === "completed" ? expected.conclusion : undefined);
      }
    }
    expect(phaseCheckRun(d.state, phase(d.state, "deploy")).output.title).toBe(
      'Skipped: phase "ship" failed',
    );
    expect(phaseCheckRun(d.state, phase(d.state, "deploy")).conclusion).toBe("skipped");
  });

  test("neutral when every step was skipped by `when`; cancelled when the run was", () => {
    const d = Driver.started(
      planOf({ p: [step("a:review", { when: { labels: ["nope"] } })], q: ["b:review"] }),
    );
    const neutral = phaseCheckRun(d.state, phase(d.state, "p"));
    expect([neutral.conclusion, neutral.output.title]).toEqual([
      "neutral",
      "Skipped: no step's `when` matched",
    ]);
    expect(neutral.output.summary).toBe(
      `${HEADER}\n| \`a\` | skipped | — | 0 | when: labels did not match |`,
    );
    d.send({ type: "supersede", at: T0 + 1, bySha: "fff0000aaa" });
    const cancelled = phaseCheckRun(d.state, phase(d.state, "q"));
    expect([cancelled.conclusion, cancelled.output.title]).toEqual([
      "cancelled",
      "Cancelled: superseded by fff0000",
    ]);
  });

  test("a waiting gate: in progress, what is missing, who can approve, an Approve button", () => {
    const d = Driver.started(delivery());
    d.claim(T0);
    done(d, "code-review", T0 + 1, { summary: "ok", findings: [] });
    done(d, "sec", T0 + 2, { summary: "ok", findings: [] });
    d.claim(T0 + 3);
    const s = d.step("gate");
    d.send({
      type: "step-waiting",
      at: T0 + 4,
      stepId: "gate",
      worker: s.leaseOwner ?? "",
      attempt: s.attempts,
      waitingFor: "approval",
      output: {
        summary: "needs 1 more approval from @acme/maintainers on abc1234",
        data: { eligible: "@acme/maintainers or @octocat" },
      },
    });
    expect(phaseCheckRun(d.state, phase(d.state, "approve"))).toEqual({
      name: "agents / approve",
      status: "in_progress",
      output: {
        title: "Waiting for approval: needs 1 more approval from @acme/maintainers on abc1234",
        summary: [
          HEADER,
          "| `gate` | waiting for approval | — | — | needs 1 more approval from @\u200Bacme/maintainers on abc1234 |",
          "",
          "**Waiting:** `gate`: needs 1 more approval from @\u200Bacme/maintainers on abc1234. " +
            "Can approve: @acme/maintainers or @octocat.",
        ].join("\n"),
      },
      actions: [{ label: "Approve", description: "Approve gate on abc1234", identifier: "approve:gate" }],
    });
    expect(actionCommands("approve:gate", d.state, phase(d.state, "approve"))).toEqual([
      { type: "approve", step: "gate" },
    ]);
    expect(actionCommands("approve:gate", d.state, phase(d.state, "review"))).toEqual([]);
  });

  test("several waiting gates: at most 3 buttons, each within GitHub's limits, mapped back to the gate", () => {
    const ids = ["a", "release-manager-approval", "c", "d"];
    const d = Driver.started(planOf({ p: ids.map((id) => `${id}:approval`) }));
    d.claim(T0);
    for (const id of ids) d.wait(id, T0 + 1, "approval");
    const p = phase(d.state, "p");
    const view = phaseCheckRun(d.state, p);
    expect(view.actions).toEqual([
      { label: "Approve a", description: "Approve a on abc1234", identifier: "approve:a" },
      {
        label: "Approve release-man…",
        description: "Approve release-manager-approval on abc…",
        identifier: "approve#1",
      },
      { label: "Approve c", description: "Approve c on abc1234", identifier: "approve:c" },
    ]);
    for (const a of view.actions) {
      expect(a.label.length).toBeLessThanOrEqual(20);
      expect(a.identifier.length).toBeLessThanOrEqual(20);
      expect(a.description.length).toBeLessThanOrEqual(40);
    }
    expect(actionCommands("approve#1", d.state, p)).toEqual([
      { type: "approve", step: "release-manager-approval" },
    ]);
    expect(actionCommands("approve#9", d.state, p)).toEqual([]);
    expect(actionCommands("merge", d.state, p)).toEqual([]);
  });

  test("model and user text in the table: pipes, newlines and mentions escaped, HTML inert", () => {
    const d = Driver.started(planOf({ p: ["a:agent", "b:review"] }));
    d.claim(T0);
    done(d, "a", T0 + 1, { summary: "a | b\nc @bob <img src=x> `x|y`" });
    d.send({ type: "step-skipped", at: T0 + 2, stepId: "b", by: "carol", reason: "flaky\n| injected |" });
    expect(phaseCheckRun(d.state, phase(d.state, "p")).output.summary).toBe(
      [
        HEADER,
        "| `a` | succeeded | 1ms | 0 | a \\| b c @\u200Bbob &lt;img src=x> `x\\|y` |",
        "| `b` | skipped | 2ms | 0 | skipped by @\u200Bcarol: flaky \\| injected \\| |",
      ].join("\n"),
    );
  });
});

describe("overallCheckRun", () => {
  function toGate(d: Driver): void {
    d.claim(T0);
    done(d, "code-review", T0 + 1, { summary: "ok", findings: [] });
    done(d, "sec", T0 + 2, { summary: "ok", findings: [] });
    d.claim(T0 + 3);
    d.wait("gate", T0 + 4, "approval");
  }

  test("in progress while a gate waits, listing it with who can satisfy it and the dashboard", () => {
    const d = Driver.started(delivery());
    expect(overallCheckRun(d.state).status).toBe("in_progress");
    toGate(d);
    expect(overallCheckRun(d.state, { dashboardUrl: "https://x.test/agents/runs/run-1" })).toEqual({
      name: "agents",
      status: "in_progress",
      output: {
        title: "Waiting for approval: needs 1 approval on abc1234",
        summary: [
          "**w** on `abc1234`",
          "",
          "| before merge | status |",
          "| --- | --- |",
          "| Review | success |",
          "| approve | waiting |",
          "",
          "**Waiting gates**",
          "- `gate`: needs 1 approval on abc1234. Can approve: @acme/maintainers, @octocat, " +
            "with an approving review or `/agents approve gate`.",
          "",
          "[Run on the dashboard](https://x.test/agents/runs/run-1)",
        ].join("\n"),
      },
      actions: [],
    });
  });

  test("success once every phase before the merge phase passed, whatever merge and deploy do later", () => {
    const d = Driver.started(delivery());
    toGate(d);
    d.send({ type: "gate-approved", at: T0 + 5, stepId: "gate", by: ["carol"], sha: d.state.facts.headSha });
    const view = overallCheckRun(d.state);
    expect([view.status, view.conclusion, view.output.title]).toEqual([
      "completed",
      "success",
      "Every gate before merge passed",
    ]);
    d.claim(T0 + 6);
    failed(d, "merge", T0 + 7, "409: head moved");
    expect(overallCheckRun(d.state).conclusion).toBe("success");
  });

  test("failure as soon as a gating step fails, before its phase finishes", () => {
    const d = Driver.started(delivery());
    d.claim(T0);
    failed(d, "sec", T0 + 1, "model outage");
    expect(phaseStatus(d.state, phase(d.state, "review")).status).toBe("in_progress");
    const view = overallCheckRun(d.state);
    expect([view.status, view.conclusion, view.output.title]).toEqual([
      "completed",
      "failure",
      "Failed: Review",
    ]);
  });

  test("a gate rejected fails it; a cancelled run is cancelled, never success", () => {
    const d = Driver.started(delivery());
    toGate(d);
    d.send({ type: "gate-rejected", at: T0 + 5, stepId: "gate", by: "carol", reason: "no" });
    expect(overallCheckRun(d.state).conclusion).toBe("failure");
    const c = Driver.started(delivery());
    c.send({ type: "cancel", at: T0 + 1, by: "carol", reason: "wrong branch" });
    const view = overallCheckRun(c.state);
    expect([view.conclusion, view.output.title]).toEqual([
      "cancelled",
      "Cancelled: Review (cancelled by @carol: wrong branch)",
    ]);
  });

  test("a gate in the merge phase that the merge needs still gates the check", () => {
    const d = Driver.started(
      planOf({ review: ["r:review"], ship: { needs: ["review"], steps: ["g:approval", "m:merge<g"] } }),
    );
    d.claim(T0);
    done(d, "r", T0 + 1, { summary: "ok", findings: [] });
    d.claim(T0 + 2);
    d.wait("g", T0 + 3, "approval");
    expect(overallCheckRun(d.state).status).toBe("in_progress");
    d.send({ type: "gate-approved", at: T0 + 4, stepId: "g", by: ["carol"], sha: d.state.facts.headSha });
    expect(overallCheckRun(d.state).conclusion).toBe("success");
  });

  test("without a merge step every phase counts; neutral passes", () => {
    const d = Driver.started(
      planOf({ a: [step("x:review", { when: { labels: ["nope"] } })], b: ["y:review"] }),
    );
    expect(overallCheckRun(d.state).status).toBe("in_progress");
    d.claim(T0);
    done(d, "y", T0 + 1, { summary: "ok", findings: [] });
    expect(overallCheckRun(d.state).conclusion).toBe("success");
    expect(overallCheckRun(d.state).output.summary).toBe(
      "**w** on `abc1234`\n\n| before merge | status |\n| --- | --- |\n| a | neutral |\n| b | success |",
    );
  });
});

describe("annotationBatches", () => {
  test("120 findings → 3 batches of at most 50, order kept", () => {
    const findings = Array.from({ length: 120 }, (_, i) => f(`src/f${i}.ts`, i + 1, "low", `t${i}`));
    const batches = annotationBatches(findings);
    expect(batches.map((b) => b.length)).toEqual([50, 50, 20]);
    expect(batches[2]?.[19]?.path).toBe("src/f119.ts");
    expect(annotationBatches([])).toEqual([]);
  });

  test("levels by severity; a finding without a line goes on line 1 and says so", () => {
    const [batch] = annotationBatches([
      f("src/a.ts", 4, "blocker", "Leak", "Key in code"),
      f("src/a.ts", 5, "high", "Bug"),
      f("src/a.ts", 6, "medium", "Smell"),
      { ...f("./src/b.ts", null, "low", "No test"), suggestion: "x()" },
    ]);
    expect(batch).toEqual([
      {
        path: "src/a.ts",
        start_line: 4,
        end_line: 4,
        annotation_level: "failure",
        title: "blocker: Leak",
        message: "Key in code",
      },
      {
        path: "src/a.ts",
        start_line: 5,
        end_line: 5,
        annotation_level: "failure",
        title: "high: Bug",
        message: "why",
      },
      {
        path: "src/a.ts",
        start_line: 6,
        end_line: 6,
        annotation_level: "warning",
        title: "medium: Smell",
        message: "why",
      },
      {
        path: "src/b.ts",
        start_line: 1,
        end_line: 1,
        annotation_level: "notice",
        title: "low: No test",
        message: "Whole file. why",
        raw_details: "Suggested replacement:\nx()",
      },
    ]);
  });
});

describe("reviewPayload", () => {
  const reviewed = (findings: { cr?: Finding[]; sec?: Finding[] }, failOn: string = "high"): Driver => {
    const d = Driver.started(
      planOf({ review: { name: "Review", steps: [step("cr:review", { fail_on: failOn }), "sec:security"] } }),
    );
    d.claim(T0);
    done(d, "cr", T0 + 1, { summary: "s", findings: findings.cr ?? [] });
    done(d, "sec", T0 + 2, { summary: "s", findings: findings.sec ?? [] });
    return d;
  };
  const diff = (lines: Record<string, number[]>) => (path: string) => new Set(lines[path] ?? []);

  test("inline comments for findings on diff lines, the rest in the body; COMMENT below fail_on", () => {
    const d = reviewed({
      cr: [
        f("src/a.ts", 3, "medium", "Odd"),
        f("src/a.ts", 9, "low", "Far"),
        f("README.md", null, "low", "Docs"),
      ],
    });
    const payload = reviewPayload(d.state, phase(d.state, "review"), diff({ "src/a.ts": [3, 4] }), new Set());
    const fp = (x: Finding) => findingFingerprint(x);
    const [odd, far, docs] = [
      f("src/a.ts", 3, "medium", "Odd"),
      f("src/a.ts", 9, "low", "Far"),
      f("README.md", null, "low", "Docs"),
    ];
    expect(payload).toEqual({
      commit_id: d.state.facts.headSha,
      event: "COMMENT",
      body: [
        "**agents / Review** on `abc1234`: 3 new findings (1 medium, 2 low), 1 inline, 2 below.",
        "",
        "**[low] Far** · `src/a.ts:9` · `cr`",
        "",
        "why",
        "",
        `<!-- phasegate:finding ${fp(far)} -->`,
        "",
        "**[low] Docs** · `README.md` · `cr`",
        "",
        "why",
        "",
        `<!-- phasegate:finding ${fp(docs)} -->`,
      ].join("\n"),
      comments: [
        {
          path: "src/a.ts",
          line: 3,
          side: "RIGHT",
          body: `**[medium] Odd** · \`cr\`\n\nwhy\n\n<!-- phasegate:finding ${fp(odd)} -->`,
        },
      ],
      fingerprints: [fp(odd), fp(far), fp(docs)],
      entries: [
        { finding: odd, stepId: "cr", fingerprint: fp(odd), postedIn: "inline" },
        { finding: far, stepId: "cr", fingerprint: fp(far), postedIn: "body" },
        { finding: docs, stepId: "cr", fingerprint: fp(docs), postedIn: "body" },
      ],
    });
    expect(fingerprintsIn(payload?.body ?? "")).toEqual([fp(far), fp(docs)]);
  });

  test("REQUEST_CHANGES when a finding reaches its step's fail_on; never APPROVE", () => {
    const high = reviewed({ cr: [f("a.ts", 1, "high", "Bug")] });
    expect(reviewPayload(high.state, phase(high.state, "review"), diff({}), new Set())?.event).toBe(
      "REQUEST_CHANGES",
    );
    const tolerant = reviewed({ cr: [f("a.ts", 1, "high", "Bug")] }, "blocker");
    expect(reviewPayload(tolerant.state, phase(tolerant.state, "review"), diff({}), new Set())?.event).toBe(
      "COMMENT",
    );
    // Each step has its own fail_on: security's default (high) applies to its finding.
    const sec = reviewed({ sec: [f("a.ts", 1, "high", "Key")] }, "never");
    expect(reviewPayload(sec.state, phase(sec.state, "review"), diff({}), new Set())?.event).toBe(
      "REQUEST_CHANGES",
    );
    // @ts-expect-error the app never approves
    const approve: ReviewEvent = "APPROVE";
    expect(approve).toBe("APPROVE");
  });

  test("a suggestion goes in a suggestion block fenced longer than any backticks in it", () => {
    const d = reviewed({ cr: [{ ...f("a.ts", 2, "low", "Use const"), suggestion: "const x = ```;" }] });
    const payload = reviewPayload(d.state, phase(d.state, "review"), diff({ "a.ts": [2] }), new Set());
    expect(payload?.comments[0]?.body).toBe(
      `**[low] Use const** · \`cr\`\n\nwhy\n\n\`\`\`\`suggestion\nconst x = \`\`\`;\n\`\`\`\`\n\n<!-- phasegate:finding ${findingFingerprint(f("a.ts", 2, "low", "Use const"))} -->`,
    );
  });

  test("no repeats: what was posted is not posted again, nor duplicates across steps", () => {
    const bug = f("a.ts", 1, "medium", "Bug");
    const d = reviewed({ cr: [bug], sec: [{ ...bug, severity: "high", body: "again" }] });
    const first = reviewPayload(d.state, phase(d.state, "review"), diff({ "a.ts": [1] }), new Set());
    expect(first?.comments).toHaveLength(1);
    expect(first?.fingerprints).toEqual([findingFingerprint(bug)]);
    expect(
      reviewPayload(d.state, phase(d.state, "review"), diff({ "a.ts": [1] }), new Set(first?.fingerprints)),
    ).toBeNull();
    const more = reviewed({ cr: [bug, f("a.ts", 2, "low", "New")] });
    const second = reviewPayload(
      more.state,
      phase(more.state, "review"),
      diff({}),
      new Set(first?.fingerprints),
    );
    expect(second?.fingerprints).toEqual([findingFingerprint(f("a.ts", 2, "low", "New"))]);
    expect(
      second?.body.startsWith("**agents / Review** on `abc1234`: 1 new finding (1 low), 0 inline, 1 below."),
    ).toBe(true);
  });

  test("null while a review step runs, and for phases without review steps", () => {
    const d = Driver.started(planOf({ review: ["cr:review", "sec:security"], gate: ["g:approval"] }));
    d.claim(T0);
    done(d, "cr", T0 + 1, { summary: "s", findings: [f("a.ts", 1, "low", "x")] });
    expect(reviewPayload(d.state, phase(d.state, "review"), diff({}), new Set())).toBeNull();
    expect(reviewPayload(d.state, phase(d.state, "gate"), diff({}), new Set())).toBeNull();
  });

  test("model text escaped: mentions, pipes, newlines, HTML, unclosed fences", () => {
    const d = reviewed({
      cr: [
        f(
          "a.ts",
          1,
          "low",
          "Ask @octocat | now\nplease",
          "cc @acme/security <!-- hide\n</details>\n```js\nx()",
        ),
      ],
    });
    const body = reviewPayload(d.state, phase(d.state, "review"), diff({ "a.ts": [1] }), new Set())
      ?.comments[0]?.body;
    expect(body?.split("\n\n<!--")[0]).toBe(
      "**[low] Ask @\u200Boctocat \\| now please** · `cr`\n\ncc @\u200Bacme/security &lt;!-- hide\n&lt;/details>\n```js\nx()\n```",
    );
  });

  test("a body over 65,536 characters is cut at a finding, with a visible note", () => {
    const findings = Array.from({ length: 40 }, (_, i) =>
      f(`f${i}.ts`, null, "low", `t${i}`, "x".repeat(3000)),
    );
    const d = reviewed({ cr: findings });
    const payload = reviewPayload(d.state, phase(d.state, "review"), diff({}), new Set());
    const body = payload?.body ?? "";
    expect(body.length).toBeLessThanOrEqual(REVIEW_BODY_MAX);
    const shown = payload?.fingerprints.length ?? 0;
    expect(shown).toBeLessThan(40);
    expect(fingerprintsIn(body)).toHaveLength(shown);
    expect(
      body.endsWith(
        `**… ${40 - shown} more findings not shown:** GitHub's review size limit. The check run \`agents / Review\` lists them all.`,
      ),
    ).toBe(true);
  });
});

describe("GitHub's size limits on check-run output", () => {
  test("a huge phase's summary is cut at a line with a note; an open fence in text is closed", () => {
    const ids = Array.from({ length: 300 }, (_, i) => `s${i}:agent`);
    const d = Driver.started(planOf({ p: ids }, { settings: { max_parallel: 32 } }));
    for (let round = 0; round < 10; round++) {
      d.claim(T0 + round);
      for (const s of d.state.steps.values()) {
        if (s.status === "running")
          done(d, s.id, T0 + round, { summary: "y".repeat(250), text: `~~~\n${"z\n".repeat(200)}` });
      }
    }
    const view = phaseCheckRun(d.state, phase(d.state, "p"));
    expect(view.conclusion).toBe("success");
    expect(view.output.summary.length).toBeLessThanOrEqual(CHECK_OUTPUT_MAX);
    expect(
      view.output.summary.endsWith("\n\n**… cut here: GitHub's size limit.** The dashboard shows the rest."),
    ).toBe(true);
    const text = view.output.text ?? "";
    expect(text.length).toBeLessThanOrEqual(CHECK_OUTPUT_MAX);
    expect(text.endsWith("\n~~~\n\n**… cut here: GitHub's size limit.** The dashboard shows the rest.")).toBe(
      true,
    );
  });
});

describe("combineOverall: every workflow run on the commit must pass", () => {
  const view = (status: "in_progress" | "success" | "failure" | "cancelled"): CheckRunView =>
    status === "in_progress"
      ? { name: "agents", status, output: { title: "Running", summary: "own" }, actions: [] }
      : {
          name: "agents",
          status: "completed",
          conclusion: status,
          output: { title: status, summary: "own" },
          actions: [],
        };

  test("alone, or with siblings that passed or were cancelled: the run's own verdict", () => {
    expect(combineOverall(view("success"), [])).toEqual(view("success"));
    expect(combineOverall(view("success"), [{ name: "Docs", view: view("success") }])).toEqual(
      view("success"),
    );
    expect(combineOverall(view("success"), [{ name: "Old", view: view("cancelled") }])).toEqual(
      view("success"),
    );
  });

  test("a green run next to one waiting for approval stays in progress, naming it", () => {
    expect(combineOverall(view("success"), [{ name: "Delivery", view: view("in_progress") }])).toEqual({
      name: "agents",
      status: "in_progress",
      output: {
        title: "Waiting for workflow Delivery on this commit",
        summary:
          "own\n\n**Also on this commit:** **Delivery** still running or waiting; `agents` passes only when every workflow run on the commit does.",
      },
      actions: [],
    });
  });

  test("a sibling's failure fails it; the run's own failure or progress stands as it is", () => {
    const failed = combineOverall(view("success"), [{ name: "Delivery", view: view("failure") }]);
    expect(failed).toMatchObject({
      status: "completed",
      conclusion: "failure",
      output: { title: "Failed: workflow Delivery on this commit" },
    });
    expect(combineOverall(view("in_progress"), [{ name: "Delivery", view: view("failure") }])).toMatchObject({
      conclusion: "failure",
    });
    expect(combineOverall(view("failure"), [{ name: "Delivery", view: view("in_progress") }])).toEqual(
      view("failure"),
    );
    expect(combineOverall(view("in_progress"), [{ name: "Delivery", view: view("in_progress") }])).toEqual(
      view("in_progress"),
    );
  });
});
