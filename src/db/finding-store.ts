import { applyJudgement, type Judgement, type JudgementSource } from "../core/findings/judgement.js";
import type { FindingState, JudgedFinding } from "../core/learning/profiles.js";
import type { Db } from "./connect.js";
import type { FindingsTable } from "./schema.js";

/** A finding as it is posted: one ledger row. */
export interface PostedFinding {
  readonly repo: string;
  readonly number: number;
  readonly fingerprint: string;
  readonly runId: string;
  readonly stepId: string;
  readonly persona: string;
  readonly model: string;
  readonly stepKind: string;
  readonly taskType: string;
  readonly file: string;
  readonly line: number | null;
  readonly severity: string;
  readonly title: string;
  readonly source: string | null;
  readonly codeHash: string | null;
  readonly postedIn: "inline" | "body" | "held-back";
  readonly reviewId: string | null;
  readonly headSha: string;
  readonly postedAt: number;
}

/** A ledger row with its state. */
export interface LedgerFinding extends PostedFinding {
  readonly state: FindingState;
  readonly explicit: boolean;
  readonly judgedBy: string | null;
  readonly judgedAt: number | null;
  readonly reason: string | null;
  readonly clears: boolean;
  readonly commentId: string | null;
  readonly threadId: string | null;
  readonly codeChangedAt: number | null;
  readonly threadResolvedAt: number | null;
  readonly reactionsReadAt: number | null;
}

/** One judgement to apply to a ledger row (and to record, applied or not). */
export interface JudgementRecord {
  readonly judgement: Judgement;
  readonly source: JudgementSource;
  readonly actor: string;
  readonly reason: string | null;
  readonly at: number;
  /** See `judgementClears`. */
  readonly clears: boolean;
}

function toLedger(r: FindingsTable): LedgerFinding {
  return {
    repo: r.repo,
    number: r.number,
    fingerprint: r.fingerprint,
    runId: r.run_id,
    stepId: r.step_id,
    persona: r.persona,
    model: r.model,
    stepKind: r.step_kind,
    taskType: r.task_type,
    file: r.file,
    line: r.line,
    severity: r.severity,
    title: r.title,
    source: r.source,
    codeHash: r.code_hash,
    postedIn: r.posted_in as PostedFinding["postedIn"],
    reviewId: r.review_id,
    headSha: r.head_sha,
    postedAt: Number(r.posted_at),
    state: r.state as FindingState,
    explicit: r.explicit === 1,
    judgedBy: r.judged_by,
    judgedAt: r.judged_at === null ? null : Number(r.judged_at),
    reason: r.reason,
    clears: r.clears === 1,
    commentId: r.comment_id,
    threadId: r.thread_id,
    codeChangedAt: r.code_changed_at === null ? null : Number(r.code_changed_at),
    threadResolvedAt: r.thread_resolved_at === null ? null : Number(r.thread_resolved_at),
    reactionsReadAt: r.reactions_read_at === null ? null : Number(r.reactions_read_at),
  };
}

/**
 * The ledger of posted findings and their judgements (SQLite or Postgres). A fingerprint is recorded once per PR:
 * the first post wins, so a finding is never posted twice whatever its state.
 */
export class FindingStore {
  constructor(private readonly db: Db) {}

  /** Records posted findings; a fingerprint already in the PR's ledger is left as it is. */
  async recordPosted(findings: readonly PostedFinding[]): Promise<void> {
    if (findings.length === 0) return;
    await this.db.kysely
      .insertInto("findings")
      .values(
        findings.map((f) => ({
          repo: f.repo,
          number: f.number,
          fingerprint: f.fingerprint,
          run_id: f.runId,
          step_id: f.stepId,
          persona: f.persona,
          model: f.model,
          step_kind: f.stepKind,
          task_type: f.taskType,
          file: f.file,
          line: f.line,
          severity: f.severity,
          title: f.title.slice(0, 500),
          source: f.source,
          code_hash: f.codeHash,
          posted_in: f.postedIn,
          review_id: f.reviewId,
          comment_id: null,
          thread_id: null,
          head_sha: f.headSha,
          posted_at: f.postedAt,
          state: "open",
          explicit: 0,
          judged_by: null,
          judged_at: null,
          reason: null,
          clears: 0,
          learn: 1,
          code_changed_at: null,
          thread_resolved_at: null,
          reactions_read_at: null,
        })),
      )
      .onConflict((oc) => oc.columns(["repo", "number", "fingerprint"]).doNothing())
      .execute();
  }

  /** Every finding of a PR, oldest first. */
  async forPr(repo: string, number: number): Promise<LedgerFinding[]> {
    const rows = await this.db.kysely
      .selectFrom("findings")
      .selectAll()
      .where("repo", "=", repo)
      .where("number", "=", number)
      .orderBy("posted_at")
      .orderBy("fingerprint")
      .execute();
    return rows.map(toLedger);
  }

  async get(repo: string, number: number, fingerprint: string): Promise<LedgerFinding | null> {
    const row = await this.db.kysely
      .selectFrom("findings")
      .selectAll()
      .where("repo", "=", repo)
      .where("number", "=", number)
      .where("fingerprint", "=", fingerprint)
      .executeTakeFirst();
    return row ? toLedger(row) : null;
  }

  /** The finding whose inline comment has this id, once the app learned it. */
  async byComment(repo: string, commentId: string): Promise<LedgerFinding | null> {
    const row = await this.db.kysely
      .selectFrom("findings")
      .selectAll()
      .where("repo", "=", repo)
      .where("comment_id", "=", commentId)
      .executeTakeFirst();
    return row ? toLedger(row) : null;
  }

  /** Where a finding's inline comment and thread are, once the app learns them (a reply, a thread event). */
  async setLocation(
    repo: string,
    number: number,
    fingerprint: string,
    where: { commentId?: string; threadId?: string },
  ): Promise<void> {
    const set = {
      ...(where.commentId !== undefined && { comment_id: where.commentId }),
      ...(where.threadId !== undefined && { thread_id: where.threadId }),
    };
    if (Object.keys(set).length === 0) return;
    await this.db.kysely
      .updateTable("findings")
      .set(set)
      .where("repo", "=", repo)
      .where("number", "=", number)
      .where("fingerprint", "=", fingerprint)
      .execute();
  }

  /**
   * Applies one judgement to a finding by the spec's precedence (`applyJudgement`) in one transaction, and records
   * it in `finding_judgements` whether it changed the state or not. Returns the finding after it, null when the
   * fingerprint is not in the PR's ledger.
   */
  async judge(
    repo: string,
    number: number,
    fingerprint: string,
    j: JudgementRecord,
  ): Promise<{ finding: LedgerFinding; applied: boolean } | null> {
    return this.db.kysely.transaction().execute(async (tx) => {
      let q = tx
        .selectFrom("findings")
        .selectAll()
        .where("repo", "=", repo)
        .where("number", "=", number)
        .where("fingerprint", "=", fingerprint);
      if (this.db.dialect === "postgres") q = q.forUpdate();
      const row = await q.executeTakeFirst();
      if (!row) return null;
      const current = toLedger(row);
      const next = applyJudgement(current, j);
      // A writer's clearing stands while the state does: the author saying `wrong` again does not undo it.
      const clears = j.clears || (next !== null && current.clears && next.state === current.state);
      const codeChangedAt =
        j.source === "push" && current.codeChangedAt === null ? j.at : current.codeChangedAt;
      if (next) {
        await tx
          .updateTable("findings")
          .set({
            state: next.state,
            explicit: next.explicit ? 1 : 0,
            judged_by: j.actor,
            judged_at: j.at,
            reason: j.reason,
            clears: clears ? 1 : 0,
            learn: 1,
            code_changed_at: codeChangedAt,
          })
          .where("repo", "=", repo)
          .where("number", "=", number)
          .where("fingerprint", "=", fingerprint)
          .execute();
      } else if (codeChangedAt !== current.codeChangedAt) {
        await tx
          .updateTable("findings")
          .set({ code_changed_at: codeChangedAt })
          .where("repo", "=", repo)
          .where("number", "=", number)
          .where("fingerprint", "=", fingerprint)
          .execute();
      }
      await tx
        .insertInto("finding_judgements")
        .values({
          repo,
          number,
          fingerprint,
          judgement: j.judgement,
          source: j.source,
          actor: j.actor,
          reason: j.reason,
          applied: next ? 1 : 0,
          at: j.at,
        })
        .execute();
      const after = next
        ? {
            ...current,
            state: next.state,
            explicit: next.explicit,
            judgedBy: j.actor,
            judgedAt: j.at,
            reason: j.reason,
            clears,
            codeChangedAt,
          }
        : { ...current, codeChangedAt };
      return { finding: after, applied: next !== null };
    });
  }

  async markThreadResolved(repo: string, number: number, fingerprint: string, at: number): Promise<void> {
    await this.db.kysely
      .updateTable("findings")
      .set({ thread_resolved_at: at })
      .where("repo", "=", repo)
      .where("number", "=", number)
      .where("fingerprint", "=", fingerprint)
      .execute();
  }

  /** Marks findings' reactions read: they are read once, when the PR is closed or merged. */
  async markReactionsRead(
    repo: string,
    number: number,
    fingerprints: readonly string[],
    at: number,
  ): Promise<void> {
    if (fingerprints.length === 0) return;
    await this.db.kysely
      .updateTable("findings")
      .set({ reactions_read_at: at })
      .where("repo", "=", repo)
      .where("number", "=", number)
      .where("fingerprint", "in", fingerprints)
      .execute();
  }

  /**
   * Judged findings that teach profiles: one indexed query per repository (and persona). What routing and noise
   * control read at the start of an agent step.
   */
  async judged(
    filter: { repo?: string; persona?: string; since?: number } = {},
  ): Promise<(JudgedFinding & { repo: string })[]> {
    let q = this.db.kysely
      .selectFrom("findings")
      .select(["repo", "persona", "model", "step_kind", "task_type", "state", "judged_at"])
      .where("learn", "=", 1)
      .where("judged_at", "is not", null)
      .where("state", "!=", "open");
    if (filter.repo !== undefined) q = q.where("repo", "=", filter.repo);
    if (filter.persona !== undefined) q = q.where("persona", "=", filter.persona);
    if (filter.since !== undefined) q = q.where("judged_at", ">=", filter.since);
    const rows = await q.execute();
    return rows.map((r) => ({
      repo: r.repo,
      persona: r.persona,
      model: r.model,
      stepKind: r.step_kind,
      taskType: r.task_type,
      state: r.state as JudgedFinding["state"],
      judgedAt: Number(r.judged_at),
    }));
  }

  /** A PR's fingerprints judged `wrong`/`dismissed` by a writer who may clear them: they stop counting there. */
  async cleared(repo: string, number: number): Promise<Map<string, "wrong" | "dismissed">> {
    const rows = await this.db.kysely
      .selectFrom("findings")
      .select(["fingerprint", "state"])
      .where("repo", "=", repo)
      .where("number", "=", number)
      .where("clears", "=", 1)
      .where("state", "in", ["wrong", "dismissed"])
      .execute();
    return new Map(rows.map((r) => [r.fingerprint, r.state as "wrong" | "dismissed"]));
  }

  /** Findings by state, of one PR, one repository or all. */
  async countByState(filter: { repo?: string; number?: number } = {}): Promise<Record<FindingState, number>> {
    let q = this.db.kysely
      .selectFrom("findings")
      .select(["state", (eb) => eb.fn.countAll<number>().as("n")])
      .where("posted_in", "!=", "held-back")
      .groupBy("state");
    if (filter.repo !== undefined) q = q.where("repo", "=", filter.repo);
    if (filter.number !== undefined) q = q.where("number", "=", filter.number);
    const counts: Record<FindingState, number> = { open: 0, useful: 0, wrong: 0, addressed: 0, dismissed: 0 };
    for (const r of await q.execute()) counts[r.state as FindingState] = Number(r.n);
    return counts;
  }

  /** Judgements recorded, by judgement and source, and whether they changed a state: for `/metrics`. */
  async judgementCounts(): Promise<{ judgement: string; source: string; applied: boolean; n: number }[]> {
    const rows = await this.db.kysely
      .selectFrom("finding_judgements")
      .select(["judgement", "source", "applied", (eb) => eb.fn.countAll<number>().as("n")])
      .groupBy(["judgement", "source", "applied"])
      .execute();
    return rows
      .map((r) => ({ judgement: r.judgement, source: r.source, applied: r.applied === 1, n: Number(r.n) }))
      .sort((a, b) => a.judgement.localeCompare(b.judgement) || a.source.localeCompare(b.source));
  }

  /** The judgements of a PR, oldest first: the audit trail shown on the dashboard. */
  async judgementsFor(
    repo: string,
    number: number,
  ): Promise<
    {
      fingerprint: string;
      judgement: string;
      source: string;
      actor: string;
      reason: string | null;
      applied: boolean;
      at: number;
    }[]
  > {
    const rows = await this.db.kysely
      .selectFrom("finding_judgements")
      .selectAll()
      .where("repo", "=", repo)
      .where("number", "=", number)
      .orderBy("at")
      .execute();
    return rows.map((r) => ({
      fingerprint: r.fingerprint,
      judgement: r.judgement,
      source: r.source,
      actor: r.actor,
      reason: r.reason,
      applied: r.applied === 1,
      at: Number(r.at),
    }));
  }

  /**
   * Forgets what a repository's judgements taught (all personas, or one): they stop counting in profiles; the
   * findings' states and the judgements' audit trail stay. Recorded as a `reset` judgement. Returns how many
   * judged findings stopped teaching.
   */
  async resetLearning(repo: string, by: string, at: number, persona?: string): Promise<number> {
    return this.db.kysely.transaction().execute(async (tx) => {
      let q = tx.updateTable("findings").set({ learn: 0 }).where("repo", "=", repo).where("learn", "=", 1);
      if (persona !== undefined) q = q.where("persona", "=", persona);
      const result = await q.where("state", "!=", "open").executeTakeFirst();
      await tx
        .insertInto("finding_judgements")
        .values({
          repo,
          number: 0,
          fingerprint: persona ?? "*",
          judgement: "reset",
          source: "reset",
          actor: by,
          reason: null,
          applied: 1,
          at,
        })
        .execute();
      return Number(result.numUpdatedRows ?? 0n);
    });
  }
}
