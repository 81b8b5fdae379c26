import type { Finding } from "../core/findings/finding.js";
import type { FindingState } from "../core/learning/profiles.js";
import type { ShadowPort, ShadowResult } from "../engine/ports.js";
import type { Db } from "./connect.js";
import type { ShadowRunsTable } from "./schema.js";

/** A finding as a shadow run keeps it: who flagged what where, never what it said. */
export interface ShadowFinding {
  readonly fingerprint: string;
  readonly severity: string;
  readonly title: string;
  readonly file: string;
  readonly line: number | null;
  readonly taskType: string | null;
}

/**
 * A stored finding with the state of the posted finding of the same fingerprint on the same PR, read now (null:
 * never posted, or no PR).
 */
export interface ShadowFindingState extends ShadowFinding {
  readonly state: FindingState | null;
}

/** One shadow run as the dashboard reads it. */
export interface StoredShadowRun {
  readonly runId: string;
  readonly stepId: string;
  readonly repo: string;
  readonly number: number | null;
  readonly persona: string;
  readonly primaryModel: string;
  readonly model: string;
  readonly stepKind: string;
  readonly findings: readonly ShadowFindingState[];
  readonly primaryFindings: readonly ShadowFindingState[];
  readonly tokens: number;
  readonly primaryTokens: number;
  readonly latencyMs: number;
  readonly primaryLatencyMs: number;
  readonly error: string | null;
  readonly at: number;
}

/** Rows the dashboard reads at most: the newest. */
export const SHADOW_RUNS_READ = 5_000;

const kept = (f: Finding): ShadowFinding => ({
  fingerprint: f.fingerprint ?? "",
  severity: f.severity,
  title: f.title.slice(0, 500),
  file: f.file,
  line: f.line,
  taskType: f.taskType ?? null,
});

/**
 * Shadow runs (SQLite or Postgres): stored by the agent executor through `ShadowPort`, one row per step of a run
 * (a retry replaces it), never posted. Judgements are not copied: `runs` looks each finding's fingerprint up in
 * the PR's findings ledger when it reads, so a judgement made later applies too.
 */
export class ShadowStore implements ShadowPort {
  constructor(private readonly db: Db) {}

  async store(r: ShadowResult): Promise<void> {
    const row: ShadowRunsTable = {
      run_id: r.runId,
      step_id: r.stepId,
      repo: r.repo,
      number: r.number,
      persona: r.persona,
      primary_model: r.primaryModel,
      model: r.model,
      step_kind: r.stepKind,
      findings: JSON.stringify(r.findings.map(kept)),
      primary_findings: JSON.stringify(r.primaryFindings.map(kept)),
      tokens: r.tokens,
      primary_tokens: r.primaryTokens,
      latency_ms: r.latencyMs,
      primary_latency_ms: r.primaryLatencyMs,
      error: r.error === null ? null : r.error.slice(0, 1000),
      at: r.at,
    };
    const { run_id: _r, step_id: _s, ...rest } = row;
    await this.db.kysely
      .insertInto("shadow_runs")
      .values(row)
      .onConflict((oc) => oc.columns(["run_id", "step_id"]).doUpdateSet(rest))
      .execute();
  }

  /**
   * Shadow runs of `repo` (or every repository), newest first, at most `limit`, each finding (the shadow's and
   * the primary's) with the state its fingerprint has in the PR's ledger now.
   */
  async runs(filter: { repo?: string; limit?: number } = {}): Promise<StoredShadowRun[]> {
    let query = this.db.kysely
      .selectFrom("shadow_runs")
      .selectAll()
      .orderBy("at", "desc")
      .orderBy("run_id")
      .orderBy("step_id")
      .limit(filter.limit ?? SHADOW_RUNS_READ);
    if (filter.repo !== undefined) query = query.where("repo", "=", filter.repo);
    const rows = await query.execute();
    if (rows.length === 0) return [];
    const states = await this.ledgerStates(filter.repo);
    const withState = (repo: string, number: number | null, text: string): ShadowFindingState[] =>
      (JSON.parse(text) as ShadowFinding[]).map((f) => ({
        ...f,
        state: number === null ? null : (states.get(key(repo, number, f.fingerprint)) ?? null),
      }));
    return rows.map((r) => ({
      runId: r.run_id,
      stepId: r.step_id,
      repo: r.repo,
      number: r.number,
      persona: r.persona,
      primaryModel: r.primary_model,
      model: r.model,
      stepKind: r.step_kind,
      findings: withState(r.repo, r.number, r.findings),
      primaryFindings: withState(r.repo, r.number, r.primary_findings),
      tokens: Number(r.tokens),
      primaryTokens: Number(r.primary_tokens),
      latencyMs: Number(r.latency_ms),
      primaryLatencyMs: Number(r.primary_latency_ms),
      error: r.error,
      at: Number(r.at),
    }));
  }

  /** Repositories with shadow runs, in plain string order. */
  async repos(): Promise<string[]> {
    const rows = await this.db.kysely
      .selectFrom("shadow_runs")
      .select("repo")
      .distinct()
      .orderBy("repo")
      .limit(500)
      .execute();
    return rows.map((r) => r.repo).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /**
   * The states of ledger findings on PRs with shadow runs (of `repo`): a semi-join on the ledger's key, so only
   * the PRs shadows ran on are read.
   */
  private async ledgerStates(repo: string | undefined): Promise<Map<string, FindingState>> {
    let query = this.db.kysely
      .selectFrom("findings as f")
      .select(["f.repo", "f.number", "f.fingerprint", "f.state"])
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom("shadow_runs as s")
            .select("s.run_id")
            .whereRef("s.repo", "=", "f.repo")
            .whereRef("s.number", "=", "f.number"),
        ),
      );
    if (repo !== undefined) query = query.where("f.repo", "=", repo);
    const rows = await query.execute();
    return new Map(rows.map((r) => [key(r.repo, r.number, r.fingerprint), r.state as FindingState]));
  }
}

function key(repo: string, number: number, fingerprint: string): string {
  return `${repo}\0${number}\0${fingerprint}`;
}
