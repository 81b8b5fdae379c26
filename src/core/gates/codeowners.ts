import picomatch from "picomatch";

/** An owner named in CODEOWNERS. Emails are kept so nothing is lost, but no approver can be matched to one. */
export type CodeOwner =
  | { readonly kind: "user"; readonly login: string }
  | { readonly kind: "team"; readonly org: string; readonly slug: string }
  | { readonly kind: "email"; readonly email: string };

/** One rule: a pattern and its owners (none when the line clears ownership, e.g. `/apps/github`). */
export interface CodeOwnersRule {
  readonly line: number;
  readonly pattern: string;
  readonly owners: readonly CodeOwner[];
}

/** A parsed CODEOWNERS file: plain data, so the adapter can store or log it. */
export interface CodeOwnersFile {
  readonly rules: readonly CodeOwnersRule[];
  /** Lines GitHub would refuse; they are skipped, as GitHub skips them. */
  readonly errors: readonly { readonly line: number; readonly message: string }[];
}

const USER = /^@([A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?)$/;
const TEAM = /^@([A-Za-z0-9][A-Za-z0-9-]*)\/([A-Za-z0-9][A-Za-z0-9._-]*)$/;
const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;

function parseOwner(token: string): CodeOwner | null {
  const team = TEAM.exec(token);
  if (team) return { kind: "team", org: team[1]!, slug: team[2]! };
  const user = USER.exec(token);
  if (user) return { kind: "user", login: user[1]! };
  return EMAIL.test(token) ? { kind: "email", email: token } : null;
}

/**
 * Splits a line into whitespace-separated tokens up to an unescaped `#` (GitHub allows inline comments).
 * A backslash keeps the next character in the token, so `a\ b` is one pattern and `a\#b` holds a `#`.
 */
function tokens(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "\\" && i + 1 < line.length) {
      cur += ch + line[++i];
    } else if (ch === "#") {
      break;
    } else if (ch === " " || ch === "\t") {
      if (cur) out.push(cur);
      cur = "";
    } else {
      cur += ch;
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** Why GitHub would refuse this pattern, or null. GitHub documents these three gitignore features as not working. */
function unsupported(pattern: string): string | null {
  if (pattern.startsWith("\\#")) return "escaping a leading `#` with `\\` does not work in CODEOWNERS";
  if (pattern.startsWith("!")) return "negating a pattern with `!` does not work in CODEOWNERS";
  if (/(^|[^\\])\[/.test(pattern)) return "character ranges `[ ]` do not work in CODEOWNERS";
  return null;
}

/** One non-blank, non-comment line: its rule, or why GitHub would refuse it. */
function parseLine(line: number, text: string): CodeOwnersRule | { line: number; message: string } | null {
  const [pattern, ...rest] = tokens(text);
  if (!pattern) return null;
  const why = unsupported(pattern);
  if (why) return { line, message: `${pattern}: ${why}` };
  const owners: CodeOwner[] = [];
  for (const token of rest) {
    const owner = parseOwner(token);
    if (!owner) return { line, message: `${token}: not a @user, @org/team or email` };
    owners.push(owner);
  }
  return Object.freeze({ line, pattern, owners: Object.freeze(owners) });
}

/**
 * Parses CODEOWNERS text (GitHub's syntax: comments, blank lines, one pattern and its owners per line).
 * Invalid lines are skipped and reported, as GitHub does; the rest still apply.
 *
 * @example parseCodeowners("*.js @js-owner\n/docs/ @acme/docs").rules.length // 2
 */
export function parseCodeowners(text: string): CodeOwnersFile {
  const rules: CodeOwnersRule[] = [];
  const errors: { line: number; message: string }[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const parsed = parseLine(i + 1, trimmed);
    if (parsed && "message" in parsed) errors.push(parsed);
    else if (parsed) rules.push(parsed);
  }
  return Object.freeze({ rules: Object.freeze(rules), errors: Object.freeze(errors) });
}

/**
 * Globs equivalent to one CODEOWNERS pattern, following gitignore as GitHub applies it:
 * a pattern with a slash at its start or middle is anchored at the root, any other matches at any depth;
 * a trailing slash matches only what is inside a folder; a last segment that names something also owns what is
 * under it, except a lone `*`, which GitHub documents as one level only (`docs/*` misses `docs/a/b.md`).
 */
export function codeownersGlobs(pattern: string): string[] {
  if (pattern === "/") return [];
  let segs = pattern.split("/");
  if (segs[0] === "") segs = segs.slice(1);
  else if ((segs.length === 1 || (segs.length === 2 && segs[1] === "")) && segs[0] !== "**") {
    segs = ["**", ...segs];
  }
  const last = segs[segs.length - 1]!;
  if (segs.length > 1 && (last === "" || last === "**")) {
    // The folder's contents, not a file of the folder's name.
    return [[...segs.slice(0, -1), "**", "*"].join("/")];
  }
  const glob = segs.join("/");
  return last === "*" || last === "**" ? [glob] : [glob, `${glob}/**`];
}

// CODEOWNERS has no braces, extglobs or negation, so picomatch must read those characters literally.
const PICOMATCH_OPTIONS = { dot: true, nobrace: true, noextglob: true, nonegate: true } as const;
const compiled = new Map<string, (path: string) => boolean>();

function matcher(pattern: string): (path: string) => boolean {
  let m = compiled.get(pattern);
  if (!m) {
    const globs = codeownersGlobs(pattern);
    m = globs.length === 0 ? () => false : picomatch(globs, PICOMATCH_OPTIONS);
    compiled.set(pattern, m);
  }
  return m;
}

/**
 * The rule that decides who owns `path` (the last matching one, as on GitHub), or null when no rule matches.
 * A matching rule with no owners means the path has no owner. Paths are repo-relative and case-sensitive.
 *
 * @example ownerRule(parseCodeowners("* @a\n*.js @b"), "src/x.js")?.owners // [{ kind: "user", login: "b" }]
 */
export function ownerRule(file: CodeOwnersFile, path: string): CodeOwnersRule | null {
  const p = path.replace(/^\/+/, "");
  for (let i = file.rules.length - 1; i >= 0; i--) {
    const rule = file.rules[i]!;
    if (matcher(rule.pattern)(p)) return rule;
  }
  return null;
}

/** The owners of `path`: empty when no rule matches or the last matching rule names nobody. */
export function ownersOf(file: CodeOwnersFile, path: string): readonly CodeOwner[] {
  return ownerRule(file, path)?.owners ?? [];
}

/** `@login`, `@org/team` or the email, as CODEOWNERS writes it. */
export function formatOwner(owner: CodeOwner): string {
  if (owner.kind === "user") return `@${owner.login}`;
  if (owner.kind === "team") return `@${owner.org}/${owner.slug}`;
  return owner.email;
}
