import type { Generated } from "kysely";
import type { RunStatus, StepStatus, WaitingFor } from "../core/run/run-state.js";

/**
 * Epoch milliseconds. Stored as `bigint` on both dialects; Postgres returns `int8` as a string by default, so
 * `connect-postgres.ts` parses it back to a JS number (exact up to 2^53, far past any timestamp or token count).
 */
type EpochMs = number;

/** Webhook deliveries seen, keyed by `X-GitHub-Delivery`: a redelivery is recognised and ignored. */
export interface DeliveriesTable {
  readonly id: string;
  readonly event: string;
  readonly received_at: EpochMs;
  /** The `Job` (src/core/webhooks/webhook-job.ts) as JSON; null when the webhook needed nothing. */
  readonly job: string | null;
  /** When its job finished; null while it is pending (a restart picks it up). */
  readonly done_at: EpochMs | null;
  /** The process working on the job (an engine worker id); null for a job nobody claimed. */
  readonly claimed_by: string | null;
  /** Until when that claim holds unless renewed; another process may claim the job after it. */
  readonly claimed_until: EpochMs | null;
}

/**
 * One row per run, small and updated on every step event. `repo` … `base_ref` and `workflow_id` copy fields of
 * the run's facts and plan (kept in `run_documents`) so lists can filter and sort on indexed columns.
 */
export interface RunsTable {
  readonly id: string;
  readonly repo: string;
  readonly number: number | null;
  readonly source: string;
  readonly workflow_id: string;
  readonly head_sha: string;
  readonly base_ref: string | null;
  readonly status: RunStatus;
  readonly reason: string | null;
  readonly tokens: number;
  /** Bumped by every `updateRun`; tells a store whether its cached state is still current. */
  readonly version: number;
  readonly created_at: EpochMs;
  readonly started_at: EpochMs | null;
  readonly finished_at: EpochMs | null;
}

/**
 * A run's plan and facts as JSON text, apart from `runs`: SQLite rewrites a whole row on every UPDATE, and a
 * 1,000-step plan is ~330 KB, which cost ~0.5 ms per step event while it lived in `runs`. Written once, and
 * again only if the facts change.
 */
export interface RunDocumentsTable {
  readonly run_id: string;
  readonly plan: string;
  readonly facts: string;
}

/** One row per step of a run; `phase_id` and `kind` copy the plan for queries that do not parse it. */
export interface StepsTable {
  readonly run_id: string;
  readonly step_id: string;
  readonly phase_id: string;
  readonly kind: string;
  readonly status: StepStatus;
  readonly attempts: number;
  readonly not_before: EpochMs | null;
  readonly lease_owner: string | null;
  readonly lease_expires_at: EpochMs | null;
  readonly started_at: EpochMs | null;
  readonly finished_at: EpochMs | null;
  readonly waiting_for: WaitingFor | null;
  /** `StepOutput` as JSON text. */
  readonly output: string | null;
  readonly error: string | null;
  readonly reason: string | null;
  readonly tokens: number;
  /** `started_at + timeoutMs` while running or waiting, else null: lets due timeouts be found by index. */
  readonly deadline_at: EpochMs | null;
}

/** Append-only trail; the store offers no update or delete. No foreign key: entries outlive their runs. */
export interface AuditTable {
  readonly id: Generated<number>;
  readonly run_id: string | null;
  readonly at: EpochMs;
  readonly actor: string;
  readonly action: string;
  readonly step_id: string | null;
  readonly sha: string | null;
  readonly reason: string | null;
}

/** Per-file results of model reviews, by a key over everything they depend on (`src/engine/cache-key.ts`). */
export interface AgentCacheTable {
  readonly key: string;
  readonly model: string;
  readonly kind: string;
  readonly prompt_version: string;
  readonly path: string;
  /** `Finding[]` as JSON text. */
  readonly findings: string;
  readonly tokens: number;
  readonly created_at: EpochMs;
}

/**
 * A write to GitHub a run makes, keyed per run (`check:agents / Review`, `review:review`, `merge`, `deploy:staging`).
 * `state` is `pending` before the request and `done` after it, so an interrupted write is looked up, not repeated.
 */
export interface EffectsTable {
  readonly run_id: string;
  readonly key: string;
  readonly state: "pending" | "done";
  /** The GitHub object's id (check run, review, deployment, comment), as text. */
  readonly github_id: string | null;
  /** Anything the effect's owner keeps: a hash of the last check-run payload sent, a merge SHA. JSON text. */
  readonly data: string | null;
  readonly updated_at: EpochMs;
}

/** A finding already posted on a PR (review comment or body), by fingerprint: never posted again. */
export interface PostedFindingsTable {
  readonly repo: string;
  readonly number: number;
  readonly fingerprint: string;
  readonly posted_at: EpochMs;
}

/** One finding posted on a PR and what its reviewers made of it (see migration 0006). */
export interface FindingsTable {
  readonly repo: string;
  readonly number: number;
  readonly fingerprint: string;
  readonly run_id: string;
  readonly step_id: string;
  /** The step's `agent:` persona, or the step's id when it has none. */
  readonly persona: string;
  readonly model: string;
  readonly step_kind: string;
  readonly task_type: string;
  readonly file: string;
  readonly line: number | null;
  readonly severity: string;
  readonly title: string;
  readonly source: string | null;
  /** Hash of the flagged code when posted: a push that removes it addresses the finding. */
  readonly code_hash: string | null;
  /** `inline`, `body` or `held-back`. */
  readonly posted_in: string;
  readonly review_id: string | null;
  readonly comment_id: string | null;
  /** The review thread's GraphQL node id, once known. */
  readonly thread_id: string | null;
  readonly head_sha: string;
  readonly posted_at: EpochMs;
  /** `open`, `useful`, `wrong`, `addressed` or `dismissed`. */
  readonly state: string;
  /** 1 when `state` came from `/agents useful|wrong` or a reaction: inferred judgements never override it. */
  readonly explicit: number;
  readonly judged_by: string | null;
  readonly judged_at: EpochMs | null;
  readonly reason: string | null;
  /** 1 when a `wrong`/`dismissed` judgement came from a writer who is neither the PR's author nor its last pusher. */
  readonly clears: number;
  /** 0 once the repository's admins reset learning: the judgement no longer teaches profiles. */
  readonly learn: number;
  readonly code_changed_at: EpochMs | null;
  readonly thread_resolved_at: EpochMs | null;
  readonly reactions_read_at: EpochMs | null;
}

/** Every judgement as it came, applied or not: the audit trail of what the app learned. */
export interface FindingJudgementsTable {
  readonly repo: string;
  readonly number: number;
  readonly fingerprint: string;
  /** `useful`, `wrong`, `addressed`, `dismissed`, or `reset`. */
  readonly judgement: string;
  /** `reply`, `reaction`, `thread`, `push` or `reset`. */
  readonly source: string;
  readonly actor: string;
  readonly reason: string | null;
  /** 1 when it changed the finding's state. */
  readonly applied: number;
  readonly at: EpochMs;
}

/** One agent step's model work (see migration 0007): `error` null when it succeeded. */
export interface AgentCallsTable {
  readonly repo: string;
  readonly persona: string;
  readonly model: string;
  readonly at: EpochMs;
  readonly error: string | null;
}

/** A persona-and-model's error budget in a repository. */
export interface AgentBudgetsTable {
  readonly repo: string;
  readonly persona: string;
  readonly model: string;
  /** Errors before this no longer count: the end of the last suspension, or a reinstatement. */
  readonly counted_from: EpochMs;
  readonly suspended_until: EpochMs | null;
  readonly reason: string | null;
}

/**
 * One agent step's shadow run beside its primary (see migration 0008). `findings` and `primary_findings` are
 * `ShadowFinding[]` as JSON text: fingerprint, severity, title, file, line, task type — never a body.
 */
export interface ShadowRunsTable {
  readonly run_id: string;
  readonly step_id: string;
  readonly repo: string;
  readonly number: number | null;
  readonly persona: string;
  readonly primary_model: string;
  readonly model: string;
  readonly step_kind: string;
  readonly findings: string;
  readonly primary_findings: string;
  readonly tokens: number;
  readonly primary_tokens: number;
  readonly latency_ms: number;
  readonly primary_latency_ms: number;
  /** Why the shadow fell short (its budget, a provider error); null when it reviewed everything. */
  readonly error: string | null;
  readonly at: EpochMs;
}

/** A deployment protection rule GitHub asked about, answered once the run's gates decide. */
export interface ProtectionRequestsTable {
  readonly callback_url: string;
  readonly repo: string;
  readonly installation_id: number;
  readonly sha: string;
  readonly environment: string;
  readonly created_at: EpochMs;
  readonly answered_at: EpochMs | null;
  /** `approved` or `rejected`. */
  readonly answer: string | null;
}

/**
 * One installation's GitHub write schedule (`PaceState`), shared by every replica on one Postgres: a reservation
 * locks the row, places the write with `reserveWrite` and stores the result (`PostgresPaceStore`).
 */
export interface InstallationPaceTable {
  readonly installation_id: number;
  /** The earliest start of the next write. */
  readonly next_write_at: EpochMs;
  /** Every request of the installation waits until then (a rate limit was seen); 0 when never paused. */
  readonly paused_until: EpochMs;
  /** Start times of recent content-creating writes: a JSON array of epoch ms, ascending. */
  readonly content_starts: string;
}

/** The kysely database type of phasegate's tables. */
export interface Database {
  deliveries: DeliveriesTable;
  runs: RunsTable;
  run_documents: RunDocumentsTable;
  steps: StepsTable;
  audit: AuditTable;
  agent_cache: AgentCacheTable;
  effects: EffectsTable;
  posted_findings: PostedFindingsTable;
  findings: FindingsTable;
  finding_judgements: FindingJudgementsTable;
  agent_calls: AgentCallsTable;
  agent_budgets: AgentBudgetsTable;
  shadow_runs: ShadowRunsTable;
  protection_requests: ProtectionRequestsTable;
  installation_pace: InstallationPaceTable;
}
