import type { FileDiff } from "../../core/diff/diff.js";
import { parseUnifiedDiff } from "../../core/diff/parse-unified-diff.js";
import type { RunState } from "../../core/run/run-state.js";
import type { AppServices } from "../services.js";

/** Which PR's files at which head SHA. */
export interface PrFilesKey {
  readonly installationId: number;
  readonly owner: string;
  readonly name: string;
  readonly number: number;
  readonly headSha: string;
}

/** One entry of GET /pulls/{n}/files, as far as it is read here. */
export interface GitHubPrFile {
  readonly filename: string;
  readonly status: string;
  readonly additions: number;
  readonly deletions: number;
  readonly changes?: number;
  readonly sha?: string | null;
  readonly patch?: string;
  readonly previous_filename?: string;
}

const PER_PAGE = 100;
/** GitHub lists at most 3000 files of a pull request. */
const MAX_FILES = 3000;
/** How long one SHA's file list is reused: run creation, agent steps and the review share one request. */
const MEMO_MS = 10 * 60_000;

interface Memo {
  readonly at: number;
  readonly files: Promise<readonly FileDiff[]>;
}
// Per app instance, so two apps in one process (tests, restarts) never share answers.
const memos = new WeakMap<AppServices, Map<string, Memo>>();

/**
 * The PR's changed files with their patches, as FileDiffs, for a run's head SHA: fetched once (GET
 * /pulls/{n}/files, paginated) and shared by run creation, agent steps and PR reviews (saves requests).
 */
export async function prFiles(s: AppServices, run: RunState): Promise<readonly FileDiff[]> {
  const gh = run.facts.github;
  if (!gh || run.facts.number === null) throw new Error(`run ${run.id} is not a pull request run on GitHub`);
  return prFilesAt(s, {
    installationId: gh.installationId,
    owner: gh.owner,
    name: gh.name,
    number: run.facts.number,
    headSha: run.facts.headSha,
  });
}

/** `prFiles` by key, before a run exists. A failed request is not remembered. */
export function prFilesAt(s: AppServices, key: PrFilesKey): Promise<readonly FileDiff[]> {
  let memo = memos.get(s);
  if (!memo) {
    memo = new Map();
    memos.set(s, memo);
  }
  const now = s.now();
  for (const [k, m] of memo) if (now - m.at > MEMO_MS) memo.delete(k);
  const id = `${key.owner}/${key.name}#${key.number}@${key.headSha}`;
  const hit = memo.get(id);
  if (hit) return hit.files;
  const files = fetchFiles(s, key);
  const table = memo;
  table.set(id, { at: now, files });
  files.catch(() => table.delete(id));
  return files;
}

/**
 * Forgets the file list read for `key` when it was `files`: a read made ahead, at a head SHA the PR had already
 * moved past, holds the newer head's files and must not stand for that SHA's.
 */
export function forgetPrFilesAt(s: AppServices, key: PrFilesKey, files: Promise<readonly FileDiff[]>): void {
  const table = memos.get(s);
  const id = `${key.owner}/${key.name}#${key.number}@${key.headSha}`;
  if (table?.get(id)?.files === files) table.delete(id);
}

async function fetchFiles(s: AppServices, key: PrFilesKey): Promise<readonly FileDiff[]> {
  const octokit = await s.octokit(key.installationId);
  const out: FileDiff[] = [];
  for (let page = 1; out.length < MAX_FILES; page++) {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", {
      owner: key.owner,
      repo: key.name,
      pull_number: key.number,
      per_page: PER_PAGE,
      page,
    });
    const files = data as readonly GitHubPrFile[];
    out.push(...files.map(toFileDiff));
    if (files.length < PER_PAGE) break;
  }
  return out.slice(0, MAX_FILES);
}

/** GitHub's file entry as a FileDiff: its `patch` holds the hunks without the `diff --git` header. */
export function toFileDiff(f: GitHubPrFile): FileDiff {
  const status: FileDiff["status"] =
    f.status === "added"
      ? "added"
      : f.status === "removed"
        ? "deleted"
        : f.status === "renamed" || f.status === "copied"
          ? "renamed"
          : "modified";
  const hunks = f.patch ? (parseUnifiedDiff(`--- a/file\n+++ b/file\n${f.patch}\n`)[0]?.hunks ?? []) : [];
  // Without a patch GitHub either saw a binary file or a diff too large to show; only the first has no counts.
  const binary = f.patch === undefined && f.additions + f.deletions === 0 && status !== "renamed";
  return {
    path: f.filename,
    oldPath: f.previous_filename ?? null,
    status,
    binary,
    hunks,
    additions: f.additions,
    deletions: f.deletions,
    blobSha: f.sha ?? null,
  };
}

/** Every path a PR touches, old names of renames included: what `paths` filters match against. */
export function changedPaths(files: readonly FileDiff[]): string[] {
  const out = new Set<string>();
  for (const f of files) {
    out.add(f.path);
    if (f.oldPath) out.add(f.oldPath);
  }
  return [...out];
}
