import { describe, expect, test } from "vitest";
import { unevaluable } from "../../../src/core/gates/unevaluable.js";

const RUN = "abc1234def5678abc1234def5678abc1234def56";
const OTHER = "fedcba9876543210fedcba9876543210fedcba98";

describe("unevaluable", () => {
  test.each([
    ["open on the run's head", { headSha: RUN, open: true, merged: false }, null],
    [
      "merged at the run's head: a closed PR's state never stops gates after a merge",
      { headSha: RUN, open: false, merged: true },
      null,
    ],
    ["closed without merging", { headSha: RUN, open: false, merged: false }, { why: "closed" }],
    [
      "closed without merging, head moved too",
      { headSha: OTHER, open: false, merged: false },
      { why: "closed" },
    ],
    ["open, head moved on", { headSha: OTHER, open: true, merged: false }, { why: "moved", headSha: OTHER }],
    [
      "merged at another head",
      { headSha: OTHER, open: false, merged: true },
      { why: "moved", headSha: OTHER },
    ],
  ])("%s", (_what, now, expected) => {
    expect(unevaluable(RUN, now)).toEqual(expected);
  });
});
