import { describe, expect, test } from "vitest";
import { stateCounts } from "../../../src/core/findings/state-counts.js";
import type { FindingState } from "../../../src/core/learning/profiles.js";

describe("stateCounts", () => {
  test("every state with its count, in lifecycle order, joined by ' · '", () => {
    expect(stateCounts({ open: 3, useful: 1, wrong: 1, addressed: 2, dismissed: 0 })).toBe(
      "open 3 · useful 1 · wrong 1 · addressed 2 · dismissed 0",
    );
  });

  test("the lifecycle order, whatever the order of the keys", () => {
    expect(stateCounts({ dismissed: 5, addressed: 4, wrong: 3, useful: 2, open: 1 })).toBe(
      "open 1 · useful 2 · wrong 3 · addressed 4 · dismissed 5",
    );
  });

  test("no findings: every state at 0; a missing count reads 0", () => {
    expect(stateCounts({ open: 0, useful: 0, wrong: 0, addressed: 0, dismissed: 0 })).toBe(
      "open 0 · useful 0 · wrong 0 · addressed 0 · dismissed 0",
    );
    const partial = { open: 2, wrong: 1 } as unknown as Record<FindingState, number>;
    expect(stateCounts(partial)).toBe("open 2 · useful 0 · wrong 1 · addressed 0 · dismissed 0");
  });
});
