/** A check run as GitHub lists it for a commit (the fields the verdict reads). */
export interface CheckRunLike {
  readonly name: string;
  readonly status: string;
  readonly conclusion: string | null;
  /** The GitHub App that created it (absent: one unknown app); any app can report any name. */
  readonly appId?: number | null;
  /** GitHub's id: a re-run gets a higher one. */
  readonly id?: number;
}

/** A commit status (the latest per context, as the combined status lists them). */
export interface CommitStatusLike {
  readonly context: string;
  readonly state: string;
}

/** Where one named check stands. */
export interface CheckResult {
  readonly name: string;
  readonly state: "passed" | "failed" | "pending";
  /** GitHub's word: `success`, `neutral`, `failure`, `in_progress`, `not reported yet` … */
  readonly detail: string;
}

export interface ChecksVerdict {
  readonly state: "success" | "failure" | "pending";
  /** One line for the step table. */
  readonly summary: string;
  readonly checks: readonly CheckResult[];
}

// Fail closed: only these conclusions pass; `neutral` and `skipped` are said to count as passing.
const PASSING = new Set(["success", "neutral", "skipped"]);
const STATUS_FAILED = new Set(["failure", "error"]);

/** The latest check run of each app: the highest id, else the first listed (GitHub lists the latest first). */
function latestPerApp(runs: readonly CheckRunLike[]): CheckRunLike[] {
  const latest = new Map<number | null, CheckRunLike>();
  for (const run of runs) {
    const app = run.appId ?? null;
    const seen = latest.get(app);
    if (!seen || (run.id !== undefined && seen.id !== undefined && run.id > seen.id)) latest.set(app, run);
  }
  return [...latest.values()];
}

function checkRunResult(name: string, run: CheckRunLike): CheckResult {
  if (run.status !== "completed") return { name, state: "pending", detail: run.status.replace("_", " ") };
  const conclusion = run.conclusion ?? "unknown";
  return { name, state: PASSING.has(conclusion) ? "passed" : "failed", detail: conclusion };
}

function statusResult(name: string, status: CommitStatusLike): CheckResult {
  if (status.state === "success") return { name, state: "passed", detail: "success" };
  return { name, state: STATUS_FAILED.has(status.state) ? "failed" : "pending", detail: status.state };
}

/**
 * Any app (a PR's own Actions job too) can report a check of any name, so a name passes only when EVERY
 * reporter of it passed: the latest check run of each app and every commit status of that context. One failed:
 * failed; else one still running: pending.
 */
function resultOf(
  name: string,
  checkRuns: readonly CheckRunLike[],
  statuses: readonly CommitStatusLike[],
): CheckResult {
  const results = [
    ...latestPerApp(checkRuns.filter((c) => c.name === name)).map((run) => checkRunResult(name, run)),
    ...statuses.filter((st) => st.context === name).map((st) => statusResult(name, st)),
  ];
  if (results.length === 0) return { name, state: "pending", detail: "not reported yet" };
  return (
    results.find((r) => r.state === "failed") ??
    results.find((r) => r.state === "pending") ??
    results.find((r) => r.detail !== "success") ?? { name, state: "passed", detail: "success" }
  );
}

function list(results: readonly CheckResult[]): string {
  return results.map((r) => `${r.name} (${r.detail})`).join(", ");
}

/**
 * Whether the named CI checks of a commit passed: `success` once every one succeeded (a `neutral` or `skipped`
 * check run counts as passing, and the summary says so), `failure` as soon as one concluded otherwise (naming
 * them), else `pending`. A name matches a check run's name or a commit status's context; it passes only when
 * every app's latest check run and every status of it passed (a look-alike from another app cannot vouch).
 *
 * @example checksVerdict(["ci / test"], [{ name: "ci / test", status: "completed", conclusion: "success" }], [])
 * // { state: "success", summary: "ci / test passed", … }
 */
export function checksVerdict(
  names: readonly string[],
  checkRuns: readonly CheckRunLike[],
  statuses: readonly CommitStatusLike[],
): ChecksVerdict {
  const checks = names.map((n) => resultOf(n, checkRuns, statuses));
  const failed = checks.filter((c) => c.state === "failed");
  if (failed.length > 0) return { state: "failure", summary: `failed: ${list(failed)}`, checks };
  const pending = checks.filter((c) => c.state === "pending");
  if (pending.length > 0) return { state: "pending", summary: `waiting for ${list(pending)}`, checks };
  const lenient = checks.filter((c) => c.detail !== "success");
  const passed = `${names.join(", ")} passed`;
  const note = lenient.length > 0 ? ` (${list(lenient)} counted as passing)` : "";
  return { state: "success", summary: `${passed}${note}`, checks };
}
