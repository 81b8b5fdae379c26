import { describe, expect, test } from "vitest";
import { titleClass } from "../../../src/core/learning/title-class.js";

describe("titleClass", () => {
  test.each([
    ["SQL injection in query", "sql-injection"],
    ["Possible SQL injection via string concatenation", "sql-injection"],
    ["Unparameterized query built from user input", "sql-injection"],
    ["Shell command injection through `exec`", "command-injection"],
    ["subprocess called with shell=True", "command-injection"],
    ["XSS: user name rendered with innerHTML", "xss"],
    ["Cross-site scripting in the comment preview", "xss"],
    ["Path traversal when joining the upload name", "path-traversal"],
    ["Server-side request forgery via webhook URL", "ssrf"],
    ["Unsafe deserialization of the session cookie", "deserialization"],
    ["pickle.loads on request data", "deserialization"],
    ["Hard-coded password in the config loader", "secret"],
    ["AWS API key committed", "secret"],
    ["MD5 used for password hashing", "crypto"],
    ["Weak encryption mode", "crypto"],
    ["Missing authorization check on delete", "auth"],
    ["Race condition between check and write", "race"],
    ["Possible null dereference of `user`", "null-deref"],
    ["`config` may be undefined here", "null-deref"],
    ["Off-by-one in the pagination loop", "off-by-one"],
    ["Index out of range for an empty list", "off-by-one"],
    ["File handle is never closed", "resource-leak"],
    ["Memory leak in the cache", "resource-leak"],
    ["Missing tests for the retry logic", "missing-test"],
    ["New branch is untested", "missing-test"],
    ["Error is swallowed by an empty catch", "error-handling"],
    ["Unhandled promise rejection", "error-handling"],
    ["Missing input validation on `limit`", "input-validation"],
    ["Unvalidated page size", "input-validation"],
    ["Leftover console.log", "debug-code"],
  ])("%s → %s", (title, cls) => {
    expect(titleClass(title)).toBe(cls);
  });

  test("otherwise the normalised title: lowercase, no code, quotes or numbers, no stop words, sorted, unique", () => {
    expect(titleClass("Magic number `42` in the retry loop")).toBe("loop magic number retry");
    expect(titleClass("Rename 'foo' to \"bar\" for clarity")).toBe("clarity rename");
    expect(titleClass("Timeout of 30s is too short")).toBe("short timeout too");
    expect(titleClass("Retry loop: retry LOOP again")).toBe("again loop retry");
    // the wording of the variable parts does not matter
    expect(titleClass("Magic number `7` in the retry loop")).toBe(
      titleClass("magic  number 99 in retry loop"),
    );
  });

  test("at most 6 words, the first after sorting", () => {
    expect(titleClass("zeta alpha beta gamma delta epsilon alpha omega")).toBe(
      "alpha beta delta epsilon gamma omega",
    );
  });

  test("different problems keep different classes", () => {
    expect(titleClass("Magic number in the retry loop")).not.toBe(
      titleClass("Duplicated branch in the retry loop"),
    );
  });
});
