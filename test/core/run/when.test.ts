import { describe, expect, test } from "vitest";
import { matchesAnyGlob, whenMismatch } from "../../../src/core/run/when.js";
import { facts } from "../helpers.js";

// facts(): labels [agents], changed src/app.ts and README.md, author alice, base main.

describe("whenMismatch", () => {
  test("null when every given key holds, or when none is given", () => {
    expect(whenMismatch({}, facts())).toBeNull();
    expect(
      whenMismatch({ labels: ["agents"], paths: ["src/**"], authors: ["alice"], base: ["main"] }, facts()),
    ).toBeNull();
  });

  test("names the key that did not hold", () => {
    expect(whenMismatch({ labels: ["security"] }, facts())).toBe("labels");
    expect(whenMismatch({ paths: ["docs/**"] }, facts())).toBe("paths");
    expect(whenMismatch({ authors: ["bob"] }, facts())).toBe("authors");
    expect(whenMismatch({ base: ["release/*"] }, facts())).toBe("base");
  });

  test("checks labels, paths, authors, base in that order, whatever the key order", () => {
    const none = { base: ["x"], authors: ["x"], paths: ["x"], labels: ["x"] };
    expect(whenMismatch(none, facts())).toBe("labels");
    expect(whenMismatch({ ...none, labels: ["agents"] }, facts())).toBe("paths");
    expect(whenMismatch({ ...none, labels: ["agents"], paths: ["**"] }, facts())).toBe("authors");
    expect(whenMismatch({ ...none, labels: ["agents"], paths: ["**"], authors: ["alice"] }, facts())).toBe(
      "base",
    );
  });

  test("one matching value among several is enough", () => {
    expect(whenMismatch({ labels: ["nope", "agents"] }, facts({ labels: ["bug", "agents"] }))).toBeNull();
    expect(whenMismatch({ paths: ["*.md"] }, facts())).toBeNull(); // README.md
    expect(whenMismatch({ authors: ["bob", "alice"] }, facts())).toBeNull();
  });

  test("paths are globs: `*` stays in one folder, `**` crosses folders, dotfiles match", () => {
    const f = facts({ changedFiles: ["docs/guide/intro.md", ".github/workflows/ci.yml"] });
    expect(whenMismatch({ paths: ["*.md"] }, f)).toBe("paths");
    expect(whenMismatch({ paths: ["docs/*.md"] }, f)).toBe("paths");
    expect(whenMismatch({ paths: ["docs/**/*.md"] }, f)).toBeNull();
    expect(whenMismatch({ paths: ["**/*.yml"] }, f)).toBeNull();
    expect(whenMismatch({ paths: [".github/**"] }, f)).toBeNull();
  });

  test("labels and base are globs too", () => {
    expect(whenMismatch({ labels: ["area/*"] }, facts({ labels: ["area/api"] }))).toBeNull();
    expect(whenMismatch({ base: ["release/*"] }, facts({ baseRef: "release/1.2" }))).toBeNull();
    expect(whenMismatch({ base: ["release/*"] }, facts({ baseRef: "release/1.2/hotfix" }))).toBe("base");
  });

  test("missing facts never match", () => {
    expect(whenMismatch({ paths: ["**"] }, facts({ changedFiles: [] }))).toBe("paths");
    expect(whenMismatch({ labels: ["*"] }, facts({ labels: [] }))).toBe("labels");
    expect(whenMismatch({ authors: ["*"] }, facts({ author: null }))).toBe("authors");
    expect(whenMismatch({ base: ["*"] }, facts({ baseRef: null }))).toBe("base");
  });

  test("logins and labels match without case, as on GitHub", () => {
    expect(whenMismatch({ authors: ["Alice"] }, facts())).toBeNull();
    expect(whenMismatch({ labels: ["Agents"] }, facts())).toBeNull();
  });
});

describe("matchesAnyGlob", () => {
  test("true when any value matches any glob", () => {
    expect(matchesAnyGlob(["main", "release/*"], ["release/2"])).toBe(true);
    expect(matchesAnyGlob(["main"], ["dev", "feature/main"])).toBe(false);
    expect(matchesAnyGlob(["src/**"], [])).toBe(false);
  });

  test("reuses compiled globs without mixing up lists", () => {
    expect(matchesAnyGlob(["a", "b"], ["b"])).toBe(true);
    expect(matchesAnyGlob(["a"], ["b"])).toBe(false);
    expect(matchesAnyGlob(["a", "b"], ["b"])).toBe(true);
  });
});

describe("case", () => {
  test("labels and authors match without case, as GitHub compares them; paths keep case", () => {
    const f = { ...facts(), labels: ["Agents"], author: "Octocat", changedFiles: ["SRC/a.ts"] };
    expect(whenMismatch({ labels: ["agents"] }, f)).toBeNull();
    expect(whenMismatch({ authors: ["octocat"] }, f)).toBeNull();
    expect(whenMismatch({ paths: ["src/**"] }, f)).toBe("paths");
  });
});
