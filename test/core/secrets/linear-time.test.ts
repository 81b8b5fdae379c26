import { expect, test } from "vitest";
import { scanSecrets } from "../../../src/core/secrets/secret-scan.js";
import { addedFile } from "../../fixtures/file-diff.js";

/**
 * Lines that make a backtracking regex engine stall (nested or overlapping repetition meeting a near match at
 * every position). The rules run on RE2, in time linear in the line's length, so the scan finishes on each;
 * the test asserts what it finds, not how long it takes (timings live in `npm run bench`).
 */
const PATHOLOGICAL: Record<string, string> = {
  "an assignment that never closes": `password=${"a=".repeat(50_000)}`,
  "a quote that never closes": `const token = "${"A".repeat(100_000)}`,
  "a secret name repeated": `${"password_token_secret_key".repeat(4_000)}="x"`,
  "a URL's credentials that never end": `https://${"a:".repeat(50_000)}@`,
  "a curl with endless flags": `curl${" -u".repeat(33_000)}`,
  "a private key header and no body": `-----BEGIN PRIVATE KEY-----${"A".repeat(100_000)}`,
  "a token prefix and an endless body": `ghp_${"a".repeat(100_000)}`,
  "quotes and equals in turn": `password="${'="'.repeat(50_000)}`,
};

test.each(Object.entries(PATHOLOGICAL))("finishes on %s (100k characters) and flags nothing", (_, line) => {
  expect(line.length).toBeGreaterThanOrEqual(99_000);
  expect(scanSecrets([addedFile("minified.js", [line])])).toEqual([]);
});

test("still finds a credential inside a 100k-character line", () => {
  const token = `ghp_${"aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY2z4A"}`;
  const line = `${"x=1;".repeat(12_500)}const t="${token}";${"y=2;".repeat(12_500)}`;
  expect(scanSecrets([addedFile("bundle.js", [line])]).map((f) => f.title)).toEqual(["GitHub token"]);
});
