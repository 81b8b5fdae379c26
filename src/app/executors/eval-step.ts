import pLimit from "p-limit";
import {
  type EvalGateThresholds,
  evalGateFailures,
  evalGateSummary,
  evalGateTables,
} from "../../core/eval/eval-gate.js";
import type { EvalTrial } from "../../core/eval/eval-summary.js";
import type { RunPlan } from "../../core/run/plan.js";
import type { GitHubFacts, RunState, StepOutput } from "../../core/run/run-state.js";
import type { JobRepo } from "../../core/webhooks/webhook-job.js";
import { formatWorkflowError, WORKFLOW_FILE } from "../../core/workflow/parse-workflow.js";
import type { WorkflowFile } from "../../core/workflow/workflow.schema.js";
import {
  EvalBudget,
  type EvalOutcome,
  evaluatePlan,
  type LoadedCase,
  parseCase,
} from "../../engine/eval-runner.js";
import type { StepExecutor, StepResult } from "../../engine/ports.js";
import { httpStatus } from "../../github/request-error.js";
import { parseConfig, readWorkflowText } from "../runs/config.js";
import { chooseWorkflow } from "../runs/plan-for.js";
import type { AppServices } from "../services.js";

/** Where the cases are when `with.cases` is not given. */
export const DEFAULT_CASES = ".agents/evals";
/** The most cases one eval step runs (each costs a model call per agent step and side). */
export const MAX_CASES = 50;
/** Problems of cases (skipped) listed in the check run; the rest are counted. */
const ERRORS_SHOWN = 10;

const short = (sha: string) => sha.slice(0, 7);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * `uses: eval` (spec "Eval gate"): a PR that changes `.agents/` has its agent settings evaluated beside the default
 * branch's, and cannot pass when they do worse. The PR's settings are only evaluated here, never run or gated on.
 * 1. nothing to evaluate unless the PR changes a file under `.agents/`;
 * 2. the workflow file at the default branch and at the PR's head, parsed with the server's templates and allowed
 *    models; the run's workflow taken from each;
 * 3. the cases from the DEFAULT branch only (the PR could otherwise edit its own test), at most `MAX_CASES`;
 * 4. the default branch's agent steps, then the PR's, over the cases with the server's provider, within what the
 *    run's token budget has left;
 * 5. the verdict (`evalGateFailures`): both tables in `text` for the check run, one line in `summary`.
 */
export function evalStepExecutor(s: AppServices): StepExecutor {
  return async ({ run, step, signal }): Promise<StepResult> => {
    if (!run.facts.changedFiles.some((p) => p.startsWith(".agents/"))) {
      return succeeded({ summary: "nothing to evaluate: the pull request changes no file under .agents/" });
    }
    const gh = run.facts.github;
    if (!gh || run.facts.number === null) return fail("eval needs a pull request");
    const repo = jobRepo(run, gh);
    const head = run.facts.headSha;

    const sides = await readSides(s, repo, head, run.plan.workflowId);
    if ("error" in sides) return fail(sides.error, sides.text);

    const folder = casesFolder(step.with.cases);
    const read = await readCases(s, repo, folder);
    const notes = caseNotes(read, folder, gh.defaultBranch);
    if (read.cases.length === 0) {
      return succeeded({
        summary: `nothing to evaluate with: no ${read.errors.length > 0 ? "valid " : ""}case in ${folder} on ${gh.defaultBranch}`,
        ...(notes.length > 0 && { text: notes.join("\n\n") }),
      });
    }

    const left = Math.max(0, run.plan.budgetTokens - run.tokens);
    if (left === 0) {
      return fail(`token budget exhausted: the run used ${run.tokens} of ${run.plan.budgetTokens} tokens`);
    }
    const budget = new EvalBudget(left, run.plan.maxParallel);
    const options = {
      cases: read.cases,
      provider: s.provider,
      allowedModels: s.env.PHASEGATE_ALLOWED_MODELS,
      signal,
      budget,
    };
    const base = await evaluatePlan({ ...options, plan: sides.base });
    const pr =
      base.casesRun === read.cases.length ? await evaluatePlan({ ...options, plan: sides.pr }) : null;
    const tokens = budget.spent;

    const tables = evalGateTables([
      ...(pr ? [{ title: "Pull request", ref: short(head), summary: pr.summary }] : []),
      { title: "Default branch", ref: gh.defaultBranch, summary: base.summary },
    ]);
    const expected = read.cases.reduce((n, c) => n + c.expected.length, 0);
    const casesLine =
      `${plural(read.cases.length, "case")} of \`${folder}\` on \`${gh.defaultBranch}\` (${plural(expected, "expected finding")}). ` +
      "The verdict compares the `all steps` rows: every agent step on its default model, findings together.";
    const unfinished = couldNotFinish(base, pr, read.cases.length, budget);
    if (unfinished !== null || pr === null) {
      const error = unfinished ?? "stopped before every case was evaluated";
      const text = [tables, casesLine, error, ...notes].join("\n\n");
      const output = { summary: error.split("\n")[0] ?? error, text, provider: s.provider.label };
      return { outcome: "failed", retryable: false, error, output, tokens };
    }
    const prOverall = pr.summary.overall;
    const thresholds = thresholdsOf(step.with);
    const failures = evalGateFailures(prOverall, base.summary.overall, thresholds);
    const verdict =
      failures.length > 0 ? failures.map((f) => `- ✗ ${f}`).join("\n") : `- ✓ ${passLine(thresholds)}`;
    const output: StepOutput = {
      summary: evalGateSummary(prOverall, base.summary.overall),
      text: [tables, casesLine, verdict, ...notes].join("\n\n"),
      provider: s.provider.label,
      data: {
        pr: metrics(prOverall),
        base: metrics(base.summary.overall),
        cases: read.cases.length,
        tokens,
      },
    };
    if (failures.length > 0) {
      return { outcome: "failed", retryable: false, error: failures.join("; "), output, tokens };
    }
    return { outcome: "succeeded", output, tokens };
  };
}

const succeeded = (output: StepOutput): StepResult => ({ outcome: "succeeded", output });

function fail(error: string, text?: string): StepResult {
  return {
    outcome: "failed",
    retryable: false,
    error,
    ...(text !== undefined && { output: { summary: error.split("\n")[0] ?? error, text } }),
  };
}

function jobRepo(run: RunState, gh: GitHubFacts): JobRepo {
  return {
    owner: gh.owner,
    name: gh.name,
    fullName: run.facts.repo,
    installationId: gh.installationId,
    defaultBranch: gh.defaultBranch,
  };
}

function casesFolder(value: unknown): string {
  const folder = typeof value === "string" ? value.replace(/\/+$/, "") : "";
  return folder === "" ? DEFAULT_CASES : folder;
}

function thresholdsOf(w: Readonly<Record<string, unknown>>): EvalGateThresholds {
  return {
    ...(typeof w.min_precision === "number" && { minPrecision: w.min_precision }),
    ...(typeof w.min_recall === "number" && { minRecall: w.min_recall }),
  };
}

function passLine(t: EvalGateThresholds): string {
  const asked = [
    ...(t.minPrecision !== undefined ? [`min_precision ${t.minPrecision}`] : []),
    ...(t.minRecall !== undefined ? [`min_recall ${t.minRecall}`] : []),
  ];
  return `${asked.length > 0 ? `meets ${asked.join(" and ")}, ` : ""}within 5 points of the default branch's precision and recall`;
}

function metrics(r: { precision: number; recall: number; f1: number }) {
  return { precision: r.precision, recall: r.recall, f1: r.f1 };
}

type Sides = { base: RunPlan; pr: RunPlan } | { error: string; text?: string };

/** Both sides' plans of the run's workflow: the default branch's file and the PR head's, each parsed alike. */
async function readSides(s: AppServices, repo: JobRepo, head: string, workflowId: string): Promise<Sides> {
  const [baseText, headText] = await Promise.all([
    readWorkflowText(s, repo, repo.defaultBranch),
    readWorkflowText(s, repo, head),
  ]);
  if (baseText === null) return { error: `${WORKFLOW_FILE} no longer exists on ${repo.defaultBranch}` };
  if (headText === null) {
    return { error: `the pull request deletes ${WORKFLOW_FILE}: there are no agent settings to evaluate` };
  }
  const baseFile = parseConfig(s, baseText);
  if (baseFile.kind !== "valid") {
    return { error: `${WORKFLOW_FILE} on ${repo.defaultBranch} is not valid any more` };
  }
  const headFile = parseConfig(s, headText);
  if (headFile.kind !== "valid") {
    const errors = headFile.kind === "invalid" ? headFile.errors.map(formatWorkflowError) : [];
    const error = `the pull request's ${WORKFLOW_FILE} is not valid (${plural(errors.length, "error")}):\n${errors.join("\n")}`;
    return {
      error,
      text: `The pull request's \`${WORKFLOW_FILE}\` at \`${short(head)}\`:\n\n\`\`\`\n${errors.join("\n")}\n\`\`\``,
    };
  }
  const base = planOf(s, baseFile.file, workflowId);
  if (!base)
    return { error: `${WORKFLOW_FILE} on ${repo.defaultBranch} has no workflow "${workflowId}" any more` };
  // A workflow the default branch defines and the PR removes is not evaluated as a template of the same name.
  const removed = baseFile.file.workflows[workflowId] !== undefined && !headFile.file.workflows[workflowId];
  const pr = removed ? null : planOf(s, headFile.file, workflowId);
  if (!pr) {
    return {
      error: `the pull request's ${WORKFLOW_FILE} has no workflow "${workflowId}": there are no agent settings of this run's workflow to evaluate`,
    };
  }
  return { base, pr };
}

function planOf(s: AppServices, file: WorkflowFile, workflowId: string): RunPlan | null {
  return chooseWorkflow(s, file, workflowId)?.plan ?? null;
}

interface ReadCases {
  readonly cases: readonly LoadedCase[];
  /** Problems of the cases skipped, each with its place. */
  readonly errors: readonly string[];
  /** How many case folders there were (more than `cases` when capped or skipped). */
  readonly found: number;
}

/**
 * The cases of `folder` on the default branch: every sub-folder (hidden ones aside) with `change.diff` and
 * `expected.yaml`, the first `MAX_CASES` by name. A case that does not parse is skipped and its problems kept:
 * failing instead would block every later change under `.agents/`, the fix of that case included.
 */
async function readCases(s: AppServices, repo: JobRepo, folder: string): Promise<ReadCases> {
  const listing = await getContents(s, repo, folder, repo.defaultBranch, "json");
  const names = Array.isArray(listing)
    ? (listing as { type?: unknown; name?: unknown }[])
        .filter((e) => e.type === "dir" && typeof e.name === "string" && !e.name.startsWith("."))
        .map((e) => e.name as string)
        .sort()
    : [];
  const limit = pLimit(4);
  const read = (name: string, file: string) =>
    limit(async () => {
      const text = await getContents(s, repo, `${folder}/${name}/${file}`, repo.defaultBranch, "raw");
      return typeof text === "string" ? text : null;
    });
  const parsed = await Promise.all(
    names.slice(0, MAX_CASES).map(async (name) => {
      const [diff, expected] = await Promise.all([read(name, "change.diff"), read(name, "expected.yaml")]);
      return parseCase(name, { diff, expected }, (file) => `${folder}/${name}/${file}`);
    }),
  );
  return {
    cases: parsed.flatMap((p) => (p.ok ? [p.case] : [])),
    errors: parsed.flatMap((p) => (p.ok ? [] : p.errors)),
    found: names.length,
  };
}

/** GET a path's contents at `ref`: raw text for a file, the JSON listing for a folder; null when it is not there. */
async function getContents(
  s: AppServices,
  repo: JobRepo,
  path: string,
  ref: string,
  format: "raw" | "json",
): Promise<unknown> {
  const octokit = await s.octokit(repo.installationId);
  try {
    const { data }: { data: unknown } = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
      owner: repo.owner,
      repo: repo.name,
      path,
      ref,
      ...(format === "raw" && { mediaType: { format: "raw" } }),
    });
    if (format === "json" || typeof data === "string") return data;
    // The raw media type comes back as bytes when Octokit does not know the content type as text.
    if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
    if (ArrayBuffer.isView(data)) return new TextDecoder().decode(data as Uint8Array);
    return null; // a JSON answer: a folder where a file was expected
  } catch (err) {
    if (httpStatus(err) === 404) return null;
    throw err;
  }
}

/** What the check run says about the cases beyond the tables: a cap, the cases skipped and why. */
function caseNotes(read: ReadCases, folder: string, branch: string): string[] {
  const notes: string[] = [];
  if (read.found > MAX_CASES) {
    notes.push(
      `Only the first ${MAX_CASES} of the ${read.found} cases in \`${folder}\` (by name) were evaluated: an eval step runs at most ${MAX_CASES}.`,
    );
  }
  if (read.errors.length > 0) {
    const more = read.errors.length - ERRORS_SHOWN;
    notes.push(
      [
        `Cases skipped on \`${branch}\` (${plural(read.errors.length, "problem")}; fix them in a pull request):`,
        "",
        "```",
        ...read.errors.slice(0, ERRORS_SHOWN),
        ...(more > 0 ? [`… and ${more} more`] : []),
        "```",
      ].join("\n"),
    );
  }
  return notes;
}

/** Why the comparison cannot be made: a side whose steps could not finish, or the budget spent midway. */
function couldNotFinish(
  base: EvalOutcome,
  pr: EvalOutcome | null,
  cases: number,
  budget: EvalBudget,
): string | null {
  const failed = (side: string, trials: readonly EvalTrial[]) => {
    const bad = trials.filter((t) => t.error !== null);
    if (bad.length === 0) return null;
    return [
      `${side} could not be evaluated: ${plural(bad.length, "step")} did not finish`,
      ...bad.slice(0, ERRORS_SHOWN).map((t) => `${t.caseName}: ${t.step} on ${t.model}: ${t.error}`),
      ...(bad.length > ERRORS_SHOWN ? [`… and ${bad.length - ERRORS_SHOWN} more`] : []),
    ].join("\n");
  };
  const stopped = !pr || pr.casesRun < cases;
  if (stopped && budget.exhausted) {
    const ran = base.casesRun + (pr?.casesRun ?? 0);
    return `token budget exhausted after ${ran} of ${cases * 2} case evaluations: the eval used ${budget.spent} of the ${budget.tokens} tokens the run had left`;
  }
  return (
    failed("the default branch's settings", base.trials) ??
    (pr ? failed("the pull request's settings", pr.trials) : null) ??
    (stopped ? "stopped before every case was evaluated" : null)
  );
}
