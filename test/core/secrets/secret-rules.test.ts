import { describe, expect, it } from "vitest";
import { compileRules } from "../../../src/core/secrets/compile-rules.js";
import { SECRET_RULES } from "../../../src/core/secrets/secret-rules.js";
import { scanSecrets } from "../../../src/core/secrets/secret-scan.js";
import { addedFile } from "../../fixtures/file-diff.js";
import { fillSlots } from "./fill-slots.js";

/** The findings of a sample (lines joined by `\n`) as an added file, as `rule-id: title`. */
function scan(sample: string): string[] {
  return scanSecrets([addedFile("sample.txt", sample.split("\n"))]).map(
    (f) => `${/\(rule `([^`]+)`\)/.exec(f.body)?.[1]}: ${f.title}`,
  );
}

const samples = (kind: "tps" | "fps") =>
  SECRET_RULES.flatMap((rule) =>
    rule[kind].map((sample, i) => ({ id: rule.id, sample: fillSlots(sample, i + 1) })),
  );

describe("secret rules", () => {
  it("have unique ids, true- and false-positive samples, and compile on RE2", () => {
    const ids = SECRET_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(SECRET_RULES.filter((r) => r.tps.length === 0 || r.fps.length === 0).map((r) => r.id)).toEqual([]);
    expect(() => compileRules(SECRET_RULES)).not.toThrow();
  });

  it("keep keywords lower-case, as the prefilter reads a lower-cased line", () => {
    const upper = SECRET_RULES.flatMap((r) => r.keywords.filter((k) => k !== k.toLowerCase()));
    expect(upper).toEqual([]);
  });

  it.each(samples("tps"))("$id finds its sample: $sample", ({ id, sample }) => {
    expect(scan(sample).map((f) => f.split(":")[0])).toContain(id);
  });

  it("no rule flags any rule's false-positive samples", () => {
    const flagged = samples("fps").flatMap(({ id, sample }) =>
      scan(sample).map((f) => `${id} sample ${JSON.stringify(sample)} → ${f}`),
    );
    expect(flagged).toEqual([]);
  });

  it("cover the credential families developers leak", () => {
    expect(new Set(SECRET_RULES.map((r) => r.title)).size).toBeGreaterThanOrEqual(80);
  });
});
