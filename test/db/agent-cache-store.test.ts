import nock from "nock";
import { afterEach, expect, it } from "vitest";
import type { Finding } from "../../src/core/findings/finding.js";
import { KyselyAgentCache } from "../../src/db/agent-cache-store.js";
import { execStep, prInputs, runOf } from "../engine/agent-run.js";
import { addedFile } from "../fixtures/file-diff.js";
import { completion, findingsReply, OPENAI, PATH, testProvider } from "../llm/openai-fixtures.js";
import { forEachDatabase } from "./databases.js";

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

const finding: Finding = {
  file: "src/a.ts",
  line: 3,
  severity: "high",
  title: "Unchecked input",
  body: "Validate it.",
  source: "model",
};
const entry = (key: string, findings: Finding[] = [finding], tokens = 900) => ({
  key,
  model: "gpt-4o-mini",
  kind: "review",
  promptVersion: "v1",
  path: "src/a.ts",
  review: { findings, tokens },
});

forEachDatabase("KyselyAgentCache", (get) => {
  it("stores and returns results by key; unknown keys are absent", async () => {
    const cache = new KyselyAgentCache(get().db);
    await cache.putMany([entry("k1"), entry("k2", [], 10)]);
    const hits = await cache.getMany(["k1", "k2", "k3"]);
    expect(Object.fromEntries(hits)).toEqual({
      k1: { findings: [finding], tokens: 900 },
      k2: { findings: [], tokens: 10 },
    });
  });

  it("keeps the first result when a key is stored twice (two steps racing)", async () => {
    const cache = new KyselyAgentCache(get().db);
    await cache.putMany([entry("k1")]);
    await Promise.all([cache.putMany([entry("k1", [], 1)]), cache.putMany([entry("k1", [], 2)])]);
    expect((await cache.getMany(["k1"])).get("k1")).toEqual({ findings: [finding], tokens: 900 });
  });

  it("reads many keys in batches and prunes by age", async () => {
    let now = 1000;
    const cache = new KyselyAgentCache(get().db, { now: () => now });
    const keys = Array.from({ length: 1200 }, (_, i) => `key-${i}`);
    await cache.putMany(keys.slice(0, 600).map((k) => entry(k)));
    now = 5000;
    await cache.putMany(keys.slice(600).map((k) => entry(k)));
    expect((await cache.getMany(keys)).size).toBe(1200);
    expect(await cache.prune(2000)).toBe(600);
    expect((await cache.getMany(keys)).size).toBe(600);
  });

  it("a re-run of an unchanged PR costs 0 tokens: every file comes from the database", async () => {
    const cache = new KyselyAgentCache(get().db);
    const files = [
      {
        ...addedFile("src/a.ts", ["export const a = 1;", "export const b = a + 1;", "run(a);"]),
        blobSha: "abc1234",
      },
      { ...addedFile("src/b.ts", ["export const c = 2;"]), blobSha: "def5678" },
    ];
    const opts = { provider: testProvider(), inputs: async () => prInputs(files), cache };
    nock(OPENAI)
      .post(PATH)
      .reply(200, completion(findingsReply("One issue.", [{ file: "src/a.ts", line: 3, severity: "high" }])));
    const first = await execStep(
      runOf([{ id: "r", uses: "review", fail_on: "never" }], {}, "one"),
      "r",
      opts,
    );
    expect(first).toMatchObject({ outcome: "succeeded", tokens: 150 });

    // Another process (a new connection), same PR: no request may go out (nock has no interceptor left).
    const again = new KyselyAgentCache(get().db);
    const second = await execStep(runOf([{ id: "r", uses: "review", fail_on: "never" }], {}, "two"), "r", {
      ...opts,
      cache: again,
    });
    expect(second).toMatchObject({ outcome: "succeeded", tokens: 0 });
    expect(second.outcome === "succeeded" && second.output.findings).toEqual(
      first.outcome === "succeeded" && first.output.findings,
    );
    expect(second.outcome === "succeeded" && second.output.data).toMatchObject({
      calls: [],
      promptTokens: 0,
      completionTokens: 0,
      cache: { hits: 2, reviewed: 0 },
    });
  });
});
