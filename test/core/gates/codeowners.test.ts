import { describe, expect, test } from "vitest";
import {
  codeownersGlobs,
  formatOwner,
  ownerRule,
  ownersOf,
  parseCodeowners,
} from "../../../src/core/gates/codeowners.js";

// GitHub's documented example file (docs: "About code owners", "Example of a CODEOWNERS file").
const GITHUB_EXAMPLE = `# This is a comment.
# Each line is a file pattern followed by one or more owners.

*       @global-owner1 @global-owner2
*.js    @js-owner #This is an inline comment.
*.go docs@example.com
*.txt @octo-org/octocats
/build/logs/ @doctocat
docs/* docs@example.com
apps/ @octocat
/docs/ @doctocat
/scripts/ @doctocat @octocat
**/logs @octocat
/apps/ @octocat
/apps/github
`;

const owners = (text: string, path: string) => ownersOf(parseCodeowners(text), path).map(formatOwner);

describe("parseCodeowners", () => {
  test("reads GitHub's example: comments, blank lines, inline comments, users, teams, emails", () => {
    const file = parseCodeowners(GITHUB_EXAMPLE);
    expect(file.errors).toEqual([]);
    expect(file.rules.map((r) => r.pattern)).toEqual([
      "*",
      "*.js",
      "*.go",
      "*.txt",
      "/build/logs/",
      "docs/*",
      "apps/",
      "/docs/",
      "/scripts/",
      "**/logs",
      "/apps/",
      "/apps/github",
    ]);
    expect(file.rules[1]).toEqual({
      line: 5,
      pattern: "*.js",
      owners: [{ kind: "user", login: "js-owner" }],
    });
    expect(file.rules[2]?.owners).toEqual([{ kind: "email", email: "docs@example.com" }]);
    expect(file.rules[3]?.owners).toEqual([{ kind: "team", org: "octo-org", slug: "octocats" }]);
    expect(file.rules[11]?.owners).toEqual([]);
  });

  test.each([
    ["\\#notes @a", "escaping a leading `#`"],
    ["!secret.txt @a", "negating a pattern"],
    ["*.[ch] @a", "character ranges"],
    ["*.js octocat", "octocat: not a @user, @org/team or email"],
    ["*.js @a @@b", "@@b: not a @user"],
  ])("skips and reports what GitHub refuses: %s", (line, message) => {
    const file = parseCodeowners(`* @all\n${line}\n*.md @docs`);
    expect(file.rules.map((r) => r.line)).toEqual([1, 3]);
    expect(file.errors).toHaveLength(1);
    expect(file.errors[0]?.line).toBe(2);
    expect(file.errors[0]?.message).toContain(message);
  });

  test("a backslash keeps a space or a `#` inside a pattern; CRLF line ends are fine", () => {
    const file = parseCodeowners("my\\ file.txt @a\r\nnotes\\#1.md @b # why\r\n");
    expect(file.errors).toEqual([]);
    expect(owners("my\\ file.txt @a", "my file.txt")).toEqual(["@a"]);
    expect(owners("notes\\#1.md @b # why", "notes#1.md")).toEqual(["@b"]);
  });
});

describe("ownersOf on GitHub's example", () => {
  test.each([
    ["README.md", ["@global-owner1", "@global-owner2"]],
    ["src/app.js", ["@js-owner"]], // the last matching pattern wins over `*`
    ["cmd/main.go", ["docs@example.com"]],
    ["notes/a.txt", ["@octo-org/octocats"]],
    ["build/logs/today/x.log", ["@octocat"]], // `**/logs` comes after `/build/logs/`
    ["docs/getting-started.md", ["@doctocat"]], // `/docs/` comes after `docs/*`
    ["scripts/deploy.sh", ["@doctocat", "@octocat"]],
    ["deeply/nested/logs/x.log", ["@octocat"]],
    ["src/apps/main.ts", ["@octocat"]], // `apps/` anywhere
    ["apps/web/index.ts", ["@octocat"]],
    ["apps/github/index.ts", []], // matched by a rule with no owners
  ])("%s", (path, expected) => {
    expect(owners(GITHUB_EXAMPLE, path)).toEqual(expected);
  });

  test("no matching rule is null; a matching rule without owners is that rule", () => {
    const file = parseCodeowners("/apps/ @octocat\n/apps/github\n");
    expect(ownerRule(file, "README.md")).toBeNull();
    expect(ownerRule(file, "apps/github/x.ts")).toEqual({ line: 2, pattern: "/apps/github", owners: [] });
  });
});

describe("pattern matching, one pattern at a time", () => {
  test.each([
    // docs/*: direct children only, anchored at the root (GitHub's own example)
    ["docs/*", "docs/getting-started.md", true],
    ["docs/*", "docs/build-app/troubleshooting.md", false],
    ["docs/*", "other/docs/a.md", false],
    // one segment: any depth; a name also owns what is under it
    ["foo", "foo", true],
    ["foo", "bar/foo", true],
    ["foo", "bar/foo/baz", true],
    ["foo", "foo.txt", false],
    ["*.js", "a/b/c.js", true],
    ["*.js", "a.jsx", false],
    // leading slash: anchored
    ["/foo", "foo/bar", true],
    ["/foo", "bar/foo", false],
    ["/*", "root.md", true],
    ["/*", "src/app.ts", false],
    // trailing slash: the folder's contents only
    ["foo/", "foo", false],
    ["foo/", "bar/foo/baz", true],
    ["/foo/", "bar/foo/baz", false],
    ["foo/bar/", "foo/bar", false],
    ["foo/bar/", "foo/bar/baz/qux", true],
    // a middle slash anchors too
    ["foo/bar", "foo/bar/baz", true],
    ["foo/bar", "x/foo/bar", false],
    ["foo/*.txt", "foo/a.txt", true],
    ["foo/*.txt", "foo/a/b.txt", false],
    ["foo/*/baz", "foo/bar/baz/qux", true],
    // double stars
    ["**/logs", "logs/x", true],
    ["**/logs", "a/b/logs/x", true],
    ["foo/**", "foo", false],
    ["foo/**", "foo/a/b", true],
    ["foo/**/bar", "foo/bar", true],
    ["foo/**/bar", "foo/x/y/bar/z", true],
    ["foo/**/bar", "x/foo/bar", false],
    ["**", "anything/at/all", true],
    ["*", ".github/workflows/ci.yml", true],
    // single-character wildcard and escapes; braces are literal
    ["f?o", "foo", true],
    ["f?o", "fooo", false],
    ["f\\*o", "foo", false],
    ["f\\*o", "f*o", true],
    ["{a,b}.md", "a.md", false],
    ["{a,b}.md", "{a,b}.md", true],
    // case-sensitive, as GitHub documents
    ["/Docs/", "docs/a.md", false],
    ["/", "a.md", false],
  ])("%s vs %s → %s", (pattern, path, expected) => {
    expect(owners(`${pattern} @o`, path).length > 0).toBe(expected);
  });

  test("globs say what each pattern became", () => {
    expect(codeownersGlobs("*.js")).toEqual(["**/*.js", "**/*.js/**"]);
    expect(codeownersGlobs("/docs/")).toEqual(["docs/**/*"]);
    expect(codeownersGlobs("docs/*")).toEqual(["docs/*"]);
  });
});
