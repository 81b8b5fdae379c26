import type { FileDiff } from "../core/diff/diff.js";
import type { Finding } from "../core/findings/finding.js";
import type { FlaggedCode } from "../core/findings/finding-fingerprint.js";
import type { JudgedFinding } from "../core/learning/profiles.js";
import type { ErrorBudget, StepPlan } from "../core/run/plan.js";
import type { RunCommand, RunEvent } from "../core/run/run-event.js";
import type { RunFacts, RunState, RunStatus, StepOutput, WaitingFor } from "../core/run/run-state.js";

/** Durable run state. Implemented over kysely (SQLite or Postgres) in `src/db/`. */
export interface RunStore {
  /** Inserts a run and its steps. */
  createRun(run: RunState): Promise<void>;
  loadRun(id: string): Promise<RunState | null>;
  /**
   * Atomically reads the run (locked against other writers: `BEGIN IMMEDIATE` on SQLite, `FOR UPDATE` on
   * Postgres), applies `fn`, writes what changed (the run row and the steps whose objects changed), bumps
   * `version` and commits. `fn` must be pure: it may run again if another process changed the run meanwhile.
   * Returns `fn`'s result; the stored state is `result.state`.
   */
  updateRun<T extends { state: RunState }>(id: string, fn: (state: RunState) => T): Promise<T>;
  /** Extends a running step's lease if `worker` still holds it; false if it lost it. */
  heartbeat(runId: string, stepId: string, worker: string, leaseExpiresAt: number): Promise<boolean>;
  /**
   * Ids of unfinished runs with something to do at `now`: ready steps whose `notBefore` passed, running steps
   * whose lease expired, steps whose timeout fell due. Newest first, at most `limit`.
   */
  findDueRuns(now: number, limit: number): Promise<string[]>;
  listRuns(filter: RunFilter): Promise<RunSummary[]>;
  appendAudit(entry: AuditEntry): Promise<void>;
  listAudit(runId: string): Promise<AuditEntry[]>;
  close(): Promise<void>;
}

export interface RunFilter {
  readonly repo?: string;
  readonly status?: RunStatus;
  readonly workflowId?: string;
  readonly limit?: number;
  /** Keyset pagination: runs created before this (createdAt, id). */
  readonly before?: { readonly createdAt: number; readonly id: string };
}

export interface RunSummary {
  readonly id: string;
  readonly repo: string;
  readonly number: number | null;
  readonly workflowId: string;
  readonly status: RunStatus;
  readonly headSha: string;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly tokens: number;
}

/** Append-only: who did what, when, on which SHA, and why. */
export interface AuditEntry {
  readonly runId: string | null;
  readonly at: number;
  /** A GitHub login, `phasegate` for the app itself, or `cli`. */
  readonly actor: string;
  /** `approve`, `reject`, `skip`, `retry`, `cancel`, `merge`, `deploy`, `run` … */
  readonly action: string;
  readonly stepId: string | null;
  readonly sha: string | null;
  readonly reason: string | null;
}

/** What an agent step sends to a provider. Everything in it is untrusted data except `instructions`. */
export interface AgentRequest {
  readonly kind: "review" | "security" | "tests" | "agent";
  readonly stepId: string;
  readonly model: string;
  /** The persona's instructions, appended to the kind's system prompt. */
  readonly instructions: string | null;
  readonly files: readonly FileDiff[];
  readonly pr: { readonly title: string; readonly body: string } | null;
  readonly issue: { readonly title: string; readonly body: string } | null;
  /** For `agent` steps: the rendered prompt template. */
  readonly prompt: string | null;
  /**
   * `tests` steps: every path the PR changes, so a chunk knows which tests changed in other chunks. Absent for
   * other kinds (their findings depend on the file alone).
   */
  readonly changedPaths?: readonly string[];
  readonly signal: AbortSignal;
}

/** One model call: what it cost and how long it took (with its retries). */
export interface CallRecord {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly latencyMs: number;
  /** HTTP attempts: 1, or more after rate limits, timeouts and 5xx answers. */
  readonly tries: number;
}

export interface AgentReply {
  readonly findings: readonly Finding[];
  /** A one-paragraph summary, or an `agent` step's whole answer. */
  readonly text: string;
  readonly usage: { readonly promptTokens: number; readonly completionTokens: number };
  /** Shown in every output, e.g. "heuristic (no model configured)" or "openai gpt-4o-mini". */
  readonly provider: string;
  readonly notReviewed: readonly { readonly path: string; readonly reason: string }[];
  /** Every model call made, in order (a validation retry is a second call); absent when none is made. */
  readonly calls?: readonly CallRecord[];
}

/**
 * How a provider that sends prompts to a model prices them, so the executor can split a diff into calls that
 * fit, keep within the run's budget and cache results. Counts come from the model's real tokenizer.
 */
export interface TokenMeter {
  /** Names the prompts' wording: part of every cache key, bumped when prompts change meaning. */
  readonly promptVersion: string;
  /** The largest prompt one call may send (the model's context minus room for the reply). */
  readonly maxPromptTokens: number;
  /** What one review call should aim at: smaller chunks are reviewed in parallel and read more closely. */
  readonly chunkTokens: number;
  /** Reply tokens to set aside per call before it is made; the real count is charged after. */
  readonly replyAllowance: number;
  /** The exact prompt tokens `request` would send (messages, their framing and the reply schema). */
  promptTokens(request: AgentRequest): number;
  /** What adding `file` to a request's diff costs. */
  fileTokens(file: FileDiff): number;
  /** The tokens of any text, with the model's tokenizer. */
  countTokens(text: string): number;
  /** The exact prompt tokens of a verification call (its messages and schema); absent: estimated. */
  verifyPromptTokens?(request: VerifyRequest): number;
}

/** An LLM (or the heuristic stand-in). Adapters live in `src/llm/`. */
export interface AgentProvider {
  readonly label: string;
  /**
   * Reviews exactly `request.files` (or answers an `agent` prompt) in one go; the executor has already split
   * the diff into calls that fit.
   */
  run(request: AgentRequest): Promise<AgentReply>;
  /**
   * Present on providers that send prompts to a model (absent on the heuristic one, which costs nothing and
   * sends nothing anywhere). Those get their input chunked, budgeted, cached, and with secrets redacted.
   */
  meter?(model: string): Promise<TokenMeter>;
  /**
   * One verification call (spec "Confidence and verification"): the model re-reads one finding against the code
   * it flags. Throws (with the calls made, like `run`) when the call fails after its retries; an answer that is
   * not valid is returned as `answer: null`, never retried: verification makes one call.
   */
  verify?(request: VerifyRequest): Promise<VerifyReply>;
}

/** One finding put to a model again, to be confirmed or refuted. Everything but `model` is untrusted data. */
export interface VerifyRequest {
  /** The verifying model: the step's own (`verify: true`) or the persona's `verify: <model>`. */
  readonly model: string;
  /** The kind of step that reported it. */
  readonly stepKind: AgentRequest["kind"];
  readonly finding: Pick<Finding, "file" | "line" | "severity" | "title" | "body">;
  /** The flagged line(s) and up to 3 lines either side, from the diff as the model saw it (secrets redacted). */
  readonly code: FlaggedCode;
  readonly signal: AbortSignal;
}

/** What a verification call came to. */
export interface VerifyReply {
  /** The model's answer, schema-checked (the quote is checked by the caller); null when it was not valid. */
  readonly answer: {
    readonly verdict: "confirmed" | "refuted";
    readonly quote: string;
    readonly reason: string;
  } | null;
  /** Why `answer` is null: the validation error, or the model's refusal. */
  readonly problem?: string;
  readonly calls: readonly CallRecord[];
}

/** One file's review result, kept so an unchanged file is never paid for twice. */
export interface CachedReview {
  readonly findings: readonly Finding[];
  /** What reviewing it cost when it was reviewed (its share of its calls' tokens). */
  readonly tokens: number;
}

/**
 * Per-file results of `review`, `security` and `tests` calls, keyed by everything the result depends on
 * (repository, model, step kind, prompt version, persona instructions, file path, blob SHA). Implemented over
 * the database in `src/db/agent-cache-store.ts` and in memory in `src/engine/memory-agent-cache.ts`.
 */
export interface AgentCache {
  /** The results stored under any of `keys`. */
  getMany(keys: readonly string[]): Promise<ReadonlyMap<string, CachedReview>>;
  /** Stores results; a key already stored keeps its first result (both came from the same input). */
  putMany(entries: readonly CacheEntry[]): Promise<void>;
}

/** A result to cache, with the parts of its key worth reading back (the key itself is a hash). */
export interface CacheEntry {
  readonly key: string;
  readonly model: string;
  readonly kind: string;
  readonly promptVersion: string;
  readonly path: string;
  readonly review: CachedReview;
}

/**
 * What agent steps read of what humans judged (`src/db/finding-store.ts` in the app): the judged findings that
 * route models and hold back noise, and a PR's findings cleared by a judgement.
 */
export interface LearningPort {
  /** A persona's judged findings in a repository (one indexed query). */
  judged(repo: string, persona: string): Promise<readonly JudgedFinding[]>;
  /** Fingerprints on a PR judged `wrong`/`dismissed` by a writer who may clear them (see `judgementClears`). */
  cleared(repo: string, number: number): Promise<ReadonlyMap<string, "wrong" | "dismissed">>;
  /** Each `persona\0model`'s health in `repo` since `since`: 1 − the share of its work that errored. */
  health?(repo: string, since: number): Promise<ReadonlyMap<string, number>>;
}

/**
 * Error budgets (spec "Governance"): each persona-and-model's errors per repository, kept in the database so every
 * replica and restart sees one budget (`src/db/governance-store.ts` in the app).
 */
export interface GovernancePort {
  /** The suspensions in force in `repo` at `now`, by `persona\0model` (one query, read once per run's steps). */
  suspended(repo: string, now: number): Promise<ReadonlyMap<string, Suspension>>;
  /**
   * Records one step's model work: `error` is the message after the call's retries (null when it succeeded).
   * Suspends the persona and model when the budget is spent; returns the suspension it started, if any.
   */
  record(entry: BudgetEntry, budget: ErrorBudget): Promise<Suspension | null>;
}

/** One step's model work, counted against its persona-and-model's budget. */
export interface BudgetEntry {
  readonly repo: string;
  readonly persona: string;
  readonly model: string;
  /** The message after the call's retries; null when the work succeeded. */
  readonly error: string | null;
  readonly at: number;
  /** The run and step the work was for: where a suspension is audited. */
  readonly runId: string;
  readonly stepId: string;
}

/** A persona-and-model suspended in a repository until `until`, and why. */
export interface Suspension {
  readonly until: number;
  /** e.g. `9 errors in 24 h (last: …)` */
  readonly reason: string;
}

/**
 * Shadow runs (spec "Shadow models"): their findings are stored beside the run, never posted, never part of a
 * verdict (`src/db/shadow-store.ts` in the app).
 */
export interface ShadowPort {
  store(result: ShadowResult): Promise<void>;
}

/** What one shadow run of a step came to. */
export interface ShadowResult {
  readonly runId: string;
  readonly stepId: string;
  readonly repo: string;
  readonly number: number | null;
  readonly persona: string;
  /** The primary's model and the shadow's. */
  readonly primaryModel: string;
  readonly model: string;
  readonly stepKind: string;
  /** Fingerprinted like posted findings (`annotateFindings`), so judgements of posted findings carry over. */
  readonly findings: readonly Finding[];
  readonly primaryFindings: readonly Finding[];
  readonly tokens: number;
  readonly primaryTokens: number;
  readonly latencyMs: number;
  readonly primaryLatencyMs: number;
  /** Why the shadow produced nothing: its budget, an error; null when it ran. */
  readonly error: string | null;
  readonly at: number;
}

/** What running a step's executor came to. */
export type StepResult =
  | { readonly outcome: "succeeded"; readonly output: StepOutput; readonly tokens?: number }
  | {
      readonly outcome: "failed";
      readonly error: string;
      readonly retryable: boolean;
      readonly output?: StepOutput;
      readonly tokens?: number;
    }
  | { readonly outcome: "waiting"; readonly waitingFor: WaitingFor; readonly output?: StepOutput }
  /** GitHub refused a merge (405/409): the step fails with `error` and the gates behind it open again. */
  | { readonly outcome: "refused"; readonly error: string };

export interface StepContext {
  readonly run: RunState;
  readonly step: StepPlan;
  readonly attempt: number;
  readonly signal: AbortSignal;
}

/** Runs one kind of step. The CLI's executors dry-run gates, merge and deploy; the app's act on GitHub. */
export type StepExecutor = (ctx: StepContext) => Promise<StepResult>;

export type { RunCommand, RunEvent, RunFacts };
