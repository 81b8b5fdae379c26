import { execFile } from "node:child_process";
import { basename } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run("git", args, { cwd, maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

async function tryGit(cwd: string, args: string[]): Promise<string | null> {
  try {
    return (await git(cwd, args)).trim();
  } catch {
    return null;
  }
}

export interface LocalChange {
  readonly root: string;
  /** The `.git` folder (a worktree's own one when in a worktree). */
  readonly gitDir: string;
  readonly repo: string;
  readonly base: string;
  readonly headSha: string;
  readonly author: string | null;
  readonly title: string | null;
  /** `git diff --merge-base <base>`: committed and uncommitted changes since the branch left its base. */
  readonly diff: string;
}

/** The base to compare against when none is given: the remote's default branch, else main, else master. */
async function defaultBase(root: string): Promise<string> {
  const remoteHead = await tryGit(root, ["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"]);
  if (remoteHead) return remoteHead;
  for (const name of ["main", "master"]) {
    if (await tryGit(root, ["rev-parse", "--verify", "--quiet", `${name}^{commit}`])) return name;
  }
  return "HEAD";
}

/** The absolute `.git` folder of the repository around `cwd`, or null outside one. */
export async function gitDir(cwd: string): Promise<string | null> {
  return tryGit(cwd, ["rev-parse", "--absolute-git-dir"]);
}

/** Reads what a local run reviews. Throws a readable Error outside a git repository or for an unknown base. */
export async function readLocalChange(cwd: string, base?: string): Promise<LocalChange> {
  const root = await tryGit(cwd, ["rev-parse", "--show-toplevel"]);
  const dir = await gitDir(cwd);
  if (!root || !dir) throw new Error(`${cwd} is not inside a git repository`);
  const baseRef = base ?? (await defaultBase(root));
  if (!(await tryGit(root, ["rev-parse", "--verify", "--quiet", `${baseRef}^{commit}`]))) {
    throw new Error(`unknown base "${baseRef}": pass --base with a branch, tag or commit`);
  }
  const [headSha, author, title, diff] = await Promise.all([
    tryGit(root, ["rev-parse", "HEAD"]),
    tryGit(root, ["log", "-1", "--format=%an"]),
    tryGit(root, ["log", "-1", "--format=%s"]),
    git(root, ["diff", "--no-color", "--no-ext-diff", "--find-renames", "--merge-base", baseRef]),
  ]);
  return {
    root,
    gitDir: dir,
    repo: basename(root),
    base: baseRef,
    headSha: headSha ?? "0000000",
    author: author || null,
    title: title || null,
    diff,
  };
}
