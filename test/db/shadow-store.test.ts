import { expect, it } from "vitest";
import type { Finding } from "../../src/core/findings/finding.js";
import { FindingStore, type PostedFinding } from "../../src/db/finding-store.js";
import { ShadowStore, type StoredShadowRun } from "../../src/db/shadow-store.js";
import type { ShadowResult } from "../../src/engine/ports.js";
import { forEachDatabase } from "./databases.js";

const REPO = "acme/widgets";

function finding(fingerprint: string, over: Partial<Finding> = {}): Finding {
  return {
    file: "src/db.ts",
    line: 3,
    severity: "high",
    title: "SQL injection",
    body: "never stored: the body",
    suggestion: "never stored either",
    source: "model",
    fingerprint,
    codeHash: "c0ffee",
    taskType: "ts",
    ...over,
  };
}

function result(over: Partial<ShadowResult> = {}): ShadowResult {
  return {
    runId: "run-1",
    stepId: "code-review",
    repo: REPO,
    number: 7,
    persona: "reviewer",
    primaryModel: "gpt-a",
    model: "gpt-b",
    stepKind: "review",
    findings: [finding("fp-both", { severity: "blocker" }), finding("fp-shadow", { line: null })],
    primaryFindings: [finding("fp-both"), finding("fp-primary", { title: "Unused import" })],
    tokens: 900,
    primaryTokens: 1200,
    latencyMs: 1500,
    primaryLatencyMs: 2100,
    error: null,
    at: 1_000,
    ...over,
  };
}

function posted(fingerprint: string, number = 7): PostedFinding {
  return {
    repo: REPO,
    number,
    fingerprint,
    runId: "run-1",
    stepId: "code-review",
    persona: "reviewer",
    model: "gpt-a",
    stepKind: "review",
    taskType: "ts",
    file: "src/db.ts",
    line: 3,
    severity: "high",
    title: "SQL injection",
    source: "model",
    codeHash: null,
    postedIn: "inline",
    reviewId: "900",
    headSha: "a".repeat(40),
    postedAt: 1_000,
  };
}

const judge = (
  store: FindingStore,
  fingerprint: string,
  judgement: "useful" | "wrong",
  at: number,
  number = 7,
) =>
  store.judge(REPO, number, fingerprint, {
    judgement,
    source: "reply",
    actor: "carol",
    reason: null,
    at,
    clears: false,
  });

/** The stored findings' fingerprints and states, per side. */
const states = (r: StoredShadowRun | undefined) => ({
  shadow: r?.findings.map((f) => [f.fingerprint, f.state]),
  primary: r?.primaryFindings.map((f) => [f.fingerprint, f.state]),
});

forEachDatabase("ShadowStore", (get) => {
  it("stores a shadow run beside its primary and reads it back: no body, figures exact", async () => {
    const store = new ShadowStore(get().db);
    await store.store(result());
    expect(await store.runs()).toEqual([
      {
        runId: "run-1",
        stepId: "code-review",
        repo: REPO,
        number: 7,
        persona: "reviewer",
        primaryModel: "gpt-a",
        model: "gpt-b",
        stepKind: "review",
        findings: [
          {
            fingerprint: "fp-both",
            severity: "blocker",
            title: "SQL injection",
            file: "src/db.ts",
            line: 3,
            taskType: "ts",
            state: null,
          },
          {
            fingerprint: "fp-shadow",
            severity: "high",
            title: "SQL injection",
            file: "src/db.ts",
            line: null,
            taskType: "ts",
            state: null,
          },
        ],
        primaryFindings: [
          {
            fingerprint: "fp-both",
            severity: "high",
            title: "SQL injection",
            file: "src/db.ts",
            line: 3,
            taskType: "ts",
            state: null,
          },
          {
            fingerprint: "fp-primary",
            severity: "high",
            title: "Unused import",
            file: "src/db.ts",
            line: 3,
            taskType: "ts",
            state: null,
          },
        ],
        tokens: 900,
        primaryTokens: 1200,
        latencyMs: 1500,
        primaryLatencyMs: 2100,
        error: null,
        at: 1_000,
      },
    ]);
    const raw = await get()
      .db.kysely.selectFrom("shadow_runs")
      .select(["findings", "primary_findings"])
      .execute();
    expect(JSON.stringify(raw)).not.toContain("never stored");
  });

  it("a step run again replaces its row (one per run and step)", async () => {
    const store = new ShadowStore(get().db);
    await store.store(result());
    await store.store(result({ error: "503 overloaded", findings: [], tokens: 40, at: 2_000 }));
    const rows = await store.runs();
    expect(rows.map((r) => [r.stepId, r.error, r.findings.length, r.tokens, r.at])).toEqual([
      ["code-review", "503 overloaded", 0, 40, 2_000],
    ]);
  });

  it("findings inherit, when read, the state of the posted finding with the same fingerprint on the same PR", async () => {
    const store = new ShadowStore(get().db);
    const ledger = new FindingStore(get().db);
    await store.store(result());
    await ledger.recordPosted([posted("fp-both"), posted("fp-primary"), posted("fp-shadow", 8)]);
    // Judged on PR 8: not this PR's finding, whatever its fingerprint.
    await judge(ledger, "fp-shadow", "useful", 1_500, 8);
    // Posted, not judged yet: `open`; never posted on this PR: null.
    expect(states((await store.runs())[0])).toEqual({
      shadow: [
        ["fp-both", "open"],
        ["fp-shadow", null],
      ],
      primary: [
        ["fp-both", "open"],
        ["fp-primary", "open"],
      ],
    });

    await judge(ledger, "fp-both", "wrong", 2_000);
    await judge(ledger, "fp-primary", "useful", 2_000);
    expect(states((await store.runs())[0])).toEqual({
      shadow: [
        ["fp-both", "wrong"],
        ["fp-shadow", null],
      ],
      primary: [
        ["fp-both", "wrong"],
        ["fp-primary", "useful"],
      ],
    });

    // A later judgement applies to what was stored before it: nothing was copied.
    await judge(ledger, "fp-both", "useful", 3_000);
    expect(states((await store.runs({ repo: REPO }))[0]).shadow).toEqual([
      ["fp-both", "useful"],
      ["fp-shadow", null],
    ]);
  });

  it("an issue's run (no PR) inherits nothing", async () => {
    const store = new ShadowStore(get().db);
    await store.store(result({ number: null }));
    await new FindingStore(get().db).recordPosted([posted("fp-both")]);
    await judge(new FindingStore(get().db), "fp-both", "wrong", 2_000);
    const [row] = await store.runs();
    expect(row?.number).toBeNull();
    expect(row?.findings.map((f) => f.state)).toEqual([null, null]);
  });

  it("reads newest first, per repository, at most `limit`; lists the repositories", async () => {
    const store = new ShadowStore(get().db);
    await store.store(result({ runId: "a", at: 1 }));
    await store.store(result({ runId: "b", at: 3, repo: "acme/gadgets" }));
    await store.store(result({ runId: "c", at: 2 }));
    await store.store(result({ runId: "c", stepId: "security", at: 2 }));
    expect((await store.runs()).map((r) => `${r.runId}/${r.stepId}`)).toEqual([
      "b/code-review",
      "c/code-review",
      "c/security",
      "a/code-review",
    ]);
    expect((await store.runs({ repo: REPO, limit: 2 })).map((r) => `${r.runId}/${r.stepId}`)).toEqual([
      "c/code-review",
      "c/security",
    ]);
    expect(await store.runs({ repo: "acme/none" })).toEqual([]);
    expect(await store.repos()).toEqual(["acme/gadgets", REPO]);
  });
});
