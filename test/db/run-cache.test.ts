import { describe, expect, it } from "vitest";
import { RunCache } from "../../src/db/run-cache.js";
import { testRun } from "./runs.js";

const entry = (id: string, version = 0, status: "running" | "succeeded" = "running") => ({
  state: { ...testRun(id), version, status },
  running: [],
});

describe("RunCache", () => {
  it("forgets the least recently used run beyond its capacity", () => {
    const cache = new RunCache(2);
    cache.set(entry("a"));
    cache.set(entry("b"));
    cache.get("a"); // a is now more recent than b
    cache.set(entry("c"));
    expect([cache.get("a"), cache.get("b"), cache.get("c")].map((e) => e?.state.id)).toEqual([
      "a",
      undefined,
      "c",
    ]);
  });

  it("drops finished runs and never replaces a newer version with an older one", () => {
    const cache = new RunCache(10);
    cache.set(entry("a", 3));
    cache.set(entry("a", 2));
    expect(cache.get("a")?.state.version).toBe(3);
    cache.set(entry("a", 4, "succeeded"));
    expect(cache.get("a")).toBeUndefined();
  });
});
