import { expect, test } from "vitest";
import { buildKeywordMatcher } from "../../../src/core/secrets/keyword-matcher.js";

test("finds every keyword a line holds, overlapping ones too, in one pass", () => {
  const match = buildKeywordMatcher(["sk-", "sk-ant-", "ant", "ghp_", "key"]);
  expect([...match("anthropic = sk-ant-api03-…")].sort()).toEqual([0, 1, 2]);
  expect([...match("token=ghp_abc")]).toEqual([3]);
  expect([...match("monkey")]).toEqual([4]);
  expect([...match("nothing here ✓")]).toEqual([]);
});
