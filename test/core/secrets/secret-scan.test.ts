import { describe, expect, it } from "vitest";
import { redactSecret, scanSecrets } from "../../../src/core/secrets/secret-scan.js";
import { addedFile, modifiedFile } from "../../fixtures/file-diff.js";
import { LOOK_ALIKE_LINES, SECRET_CASES } from "../../fixtures/secrets.js";

describe("scanSecrets", () => {
  it("covers at least 15 credential kinds", () => {
    expect(new Set(SECRET_CASES.map((c) => c.title)).size).toBeGreaterThanOrEqual(15);
  });

  it.each(SECRET_CASES)("finds $kind", (c) => {
    const findings = scanSecrets([addedFile(c.path, c.lines)]);
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding).toMatchObject({ file: c.path, line: c.line, title: c.title, source: "secret-scan" });
    expect(["blocker", "high"]).toContain(finding!.severity);
    expect(finding!.body).toMatch(/rotate/i);
    expect(finding!.body).toMatch(/history/i);
    expect(JSON.stringify(finding)).not.toContain(c.secret);
    expect(finding!.body).toContain(redactSecret(c.secret));
  });

  it("finds nothing in look-alikes: UUIDs, hashes, placeholders, env lookups, base64 data", () => {
    // Stripe test keys were a look-alike until issue 16: they are real keys (of a test-mode account), and are
    // now found as `high` (see below).
    const lookAlikes = LOOK_ALIKE_LINES.filter((text) => !text.includes("sk_test_"));
    const hits = lookAlikes.flatMap((text, i) =>
      scanSecrets([addedFile(`src/look-alike-${i}.ts`, [text])]).map((f) => `${text} → ${f.title}`),
    );
    expect(hits).toEqual([]);
  });

  it("reads only added lines, with their new-side line numbers", () => {
    const c = SECRET_CASES.find((x) => x.kind === "github-pat")!;
    const secretLine = c.lines[1]!;
    expect(scanSecrets([modifiedFile("src/a.ts", { removed: [secretLine] })])).toEqual([]);
    const findings = scanSecrets([
      modifiedFile("src/a.ts", { removed: ["old"], added: ["x", secretLine], start: 40 }),
    ]);
    expect(findings.map((f) => f.line)).toEqual([42]);
  });

  it("rates private keys and live credentials blocker, generic secrets high", () => {
    const severity = (kind: string) => {
      const c = SECRET_CASES.find((x) => x.kind === kind)!;
      return scanSecrets([addedFile(c.path, c.lines)])[0]?.severity;
    };
    expect(severity("rsa-private-key")).toBe("blocker");
    expect(severity("aws-access-key-id")).toBe("blocker");
    expect(severity("generic-quoted")).toBe("high");
  });

  it("finds Stripe test keys as high, live keys as blocker", () => {
    const line = LOOK_ALIKE_LINES.find((text) => text.includes("sk_test_"))!;
    expect(scanSecrets([addedFile("src/pay.ts", [line])])).toMatchObject([
      { title: "Stripe test key", severity: "high", line: 1 },
    ]);
  });
});

describe("redactSecret", () => {
  it("keeps at most 4 characters and never more than a quarter", () => {
    expect(redactSecret("ghp_0123456789abcdefghijklmnopqrstuvwxyz")).toBe("ghp_…");
    expect(redactSecret("hunter2")).toBe("h…");
  });
});
