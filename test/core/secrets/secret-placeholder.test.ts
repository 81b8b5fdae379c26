// biome-ignore-all lint/suspicious/noTemplateCurlyInString: samples hold literal `${VAR}` references on purpose.
import { describe, expect, it } from "vitest";
import { alphabetSize, looksRandom, randomness } from "../../../src/core/secrets/entropy.js";
import { isDocsPassword, isPlaceholder } from "../../../src/core/secrets/secret-placeholder.js";

describe("isPlaceholder", () => {
  it.each([
    "AKIAIOSFODNN7EXAMPLE",
    "xxxxxxxxxxxxxxxxxxxx",
    "<your-api-key>",
    "${API_KEY}",
    "$GITHUB_TOKEN",
    "{{ secrets.TOKEN }}",
    "changeme",
    "AAAAAAAAAAAAAAAA",
    "****************",
    "YOUR_TOKEN_HERE",
  ])("takes %s for a placeholder", (value) => {
    expect(isPlaceholder(value)).toBe(true);
  });

  it.each([
    ["`test` inside a random body", "4eC39HqLtestjWDarjtT1zdp7dc"],
    ["a short word in mixed case (`FaKe`)", "Xw937qtWSXJss1lFaKe"],
    ["a `$` inside a password", "S!B*d$zDsb="],
    [
      "six repeated characters in a long encoded body",
      `MIIEvQIBADANBgkqhkiG9w0BAQEFAASC${"A".repeat(6)}${"Bx9kQ2".repeat(8)}`,
    ],
  ])("does not swallow %s", (_, value) => {
    expect(isPlaceholder(value)).toBe(false);
  });
});

it("isDocsPassword reads leet back: P@ssw0rd, adm1n, postgres are documentation passwords", () => {
  expect(["P@ssw0rd!", "adm1n123", "postgres", "password", "hunter2"].map(isDocsPassword)).toEqual([
    true,
    true,
    true,
    true,
    true,
  ]);
  expect(isDocsPassword("tURh2neWwHwMazkI")).toBe(false);
});

describe("randomness per alphabet", () => {
  it("sizes the alphabet a value is drawn from", () => {
    expect(alphabetSize("9f86d081884c7d65")).toBe(16);
    expect(alphabetSize("JBSWY3DPEHPK3PXP")).toBe(32);
    expect(alphabetSize("aB3dE5fG7hJ9kL1m")).toBe(62);
    expect(alphabetSize("aB3+dE5/fG7h")).toBe(64);
  });

  it("judges hex against hex: a vendor prefix and 64 hex digits look random", () => {
    const hex = "4b3f9c2a7e1d8f6b0a5c3e9d2f7b1a8c6e4d0f3b9a2c7e5d1f8b6a4c0e3d9f2a";
    expect(randomness(hex)).toBeGreaterThan(0.85);
    expect(looksRandom(`dop_v1_${hex}`)).toBe(true);
    expect(looksRandom("aaaaaaaaaaaaaaaaaaaaaaaa")).toBe(false);
    expect(looksRandom("existingtoken123")).toBe(false);
  });
});
