import { describe, expect, test } from "vitest";
import {
  REDACTED_LINE,
  redactSecretLines,
  redactSecretText,
} from "../../../src/core/secrets/redact-secrets.js";
import { addedFile, modifiedFile } from "../../fixtures/file-diff.js";

const TOKEN = "ghp_aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY2z4A";

describe("redactSecretLines", () => {
  test("replaces flagged lines, added or removed, and keeps line numbers and the rest", () => {
    const file = modifiedFile("cfg.ts", {
      removed: [`const old = "${TOKEN}";`],
      added: ["const port = 1;", `const gh = "${TOKEN}";`],
    });
    const { file: out, redacted } = redactSecretLines(file);
    expect(redacted).toBe(2);
    expect(out.hunks[0]?.lines.map((l) => [l.type, l.text, l.newLine])).toEqual([
      ["context", "// before", 10],
      ["del", REDACTED_LINE, null],
      ["add", "const port = 1;", 11],
      ["add", REDACTED_LINE, 12],
    ]);
    expect(JSON.stringify(out)).not.toContain(TOKEN);
  });

  test("a private key's whole block goes, up to its END line", () => {
    const file = addedFile("id_rsa", [
      "-----BEGIN OPENSSH PRIVATE KEY-----",
      "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
      "QyNTUxOQAAACDkzTq8pVj2y5K9bC3xN7mR1wF6hL0sD4gJ2tY8uE5oPwAAAJg2pQ1lNqUN",
      "-----END OPENSSH PRIVATE KEY-----",
      "after",
    ]);
    const { file: out, redacted } = redactSecretLines(file);
    expect(redacted).toBe(4);
    expect(out.hunks[0]?.lines.map((l) => l.text)).toEqual([...Array(4).fill(REDACTED_LINE), "after"]);
  });

  test("look-alikes stay: a UUID, a commit hash, an example placeholder", () => {
    const file = addedFile("a.ts", [
      'const id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";',
      "// fixed in 9fceb02d0ae598e95dc970b74767f19372d61af8",
      'const key = "YOUR_API_KEY_HERE";',
    ]);
    expect(redactSecretLines(file)).toEqual({ file, redacted: 0 });
  });
});

test("redactSecretText: PR text lines with a credential are replaced", () => {
  expect(redactSecretText(`Repro:\nexport GITHUB_TOKEN=${TOKEN}\nthen run it`)).toEqual({
    text: `Repro:\n${REDACTED_LINE}\nthen run it`,
    redacted: 1,
  });
});

test("redactSecretLines: a PuTTY key's private lines go with its Private-Lines header", () => {
  const file = addedFile("key.ppk", [
    "PuTTY-User-Key-File-3: ssh-ed25519",
    "Private-Lines: 1",
    "AAAAIFrOWJd8qV2nQ0f3hLk9sT1xZ7cYb4mE6uR5wA2jP8dK",
    "Private-MAC: 0b5c1f",
  ]);
  const { file: out } = redactSecretLines(file);
  expect(out.hunks[0]?.lines.map((l) => l.text === REDACTED_LINE)).toEqual([false, true, true, false]);
});
