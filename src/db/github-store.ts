import type { Job } from "../core/webhooks/webhook-job.js";
import type { Db } from "./connect.js";

/** A recorded write to GitHub (see `EffectsTable`). */
export interface Effect {
  readonly state: "pending" | "done";
  readonly githubId: string | null;
  readonly data: Readonly<Record<string, unknown>> | null;
}

/** A webhook's job that was acknowledged and not yet finished. */
export interface PendingJob {
  readonly deliveryId: string;
  readonly event: string;
  readonly job: Job;
}

export interface ProtectionRequest {
  readonly callbackUrl: string;
  readonly repo: string;
  readonly installationId: number;
  readonly sha: string;
  readonly environment: string;
}

/**
 * What the GitHub App keeps beside runs: the durable job queue of deliveries, the ledger of writes to GitHub,
 * fingerprints of posted findings, and pending deployment protection rules. Shares the run store's database.
 */
export class GitHubStore {
  constructor(private readonly db: Db) {}

  /**
   * Records a delivery and its job in one insert, the job claimed by `claim.by` until `claim.until`; false when the
   * delivery id was seen before (a redelivery: do nothing). A delivery without a job is recorded as done.
   */
  async recordJob(d: {
    id: string;
    event: string;
    receivedAt: number;
    job: Job | null;
    claim?: { by: string; until: number };
  }): Promise<boolean> {
    const result = await this.db.kysely
      .insertInto("deliveries")
      .values({
        id: d.id,
        event: d.event,
        received_at: d.receivedAt,
        job: d.job ? JSON.stringify(d.job) : null,
        done_at: d.job ? null : d.receivedAt,
        claimed_by: d.job && d.claim ? d.claim.by : null,
        claimed_until: d.job && d.claim ? d.claim.until : null,
      })
      .onConflict((oc) => oc.column("id").doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  /**
   * Jobs acknowledged but not finished whose claim ran out at `now` (or that nobody claimed), oldest first: what
   * a restart, or a replica taking over from a dead one, must still do. Claim each with `claimJob` first.
   */
  async pendingJobs(now: number, limit = 1000): Promise<PendingJob[]> {
    const rows = await this.db.kysely
      .selectFrom("deliveries")
      .select(["id", "event", "job"])
      .where("done_at", "is", null)
      .where((eb) => eb.or([eb("claimed_until", "is", null), eb("claimed_until", "<=", now)]))
      .orderBy("received_at")
      .limit(limit)
      .execute();
    return rows.flatMap((r) =>
      r.job ? [{ deliveryId: r.id, event: r.event, job: JSON.parse(r.job) as Job }] : [],
    );
  }

  /** Claims an unfinished job whose claim ran out; true for the one process (of any) whose update took it. */
  async claimJob(deliveryId: string, by: string, until: number, now: number): Promise<boolean> {
    const result = await this.db.kysely
      .updateTable("deliveries")
      .set({ claimed_by: by, claimed_until: until })
      .where("id", "=", deliveryId)
      .where("done_at", "is", null)
      .where((eb) => eb.or([eb("claimed_until", "is", null), eb("claimed_until", "<=", now)]))
      .executeTakeFirst();
    return (result.numUpdatedRows ?? 0n) > 0n;
  }

  /** Extends `by`'s claim of a job it is still doing; false when the job was taken over (the claim ran out). */
  async renewJob(deliveryId: string, by: string, until: number): Promise<boolean> {
    const result = await this.db.kysely
      .updateTable("deliveries")
      .set({ claimed_until: until })
      .where("id", "=", deliveryId)
      .where("claimed_by", "=", by)
      .where("done_at", "is", null)
      .executeTakeFirst();
    return (result.numUpdatedRows ?? 0n) > 0n;
  }

  async jobDone(deliveryId: string, at: number): Promise<void> {
    await this.db.kysely
      .updateTable("deliveries")
      .set({ done_at: at, claimed_until: null })
      .where("id", "=", deliveryId)
      .execute();
  }

  async effect(runId: string, key: string): Promise<Effect | null> {
    const row = await this.db.kysely
      .selectFrom("effects")
      .select(["state", "github_id", "data"])
      .where("run_id", "=", runId)
      .where("key", "=", key)
      .executeTakeFirst();
    if (!row) return null;
    return { state: row.state, githubId: row.github_id, data: row.data ? JSON.parse(row.data) : null };
  }

  /** Every effect of a run whose key starts with `prefix`. */
  async effects(runId: string, prefix = ""): Promise<Map<string, Effect>> {
    const rows = await this.db.kysely
      .selectFrom("effects")
      .select(["key", "state", "github_id", "data"])
      .where("run_id", "=", runId)
      .execute();
    return new Map(
      rows
        .filter((r) => r.key.startsWith(prefix))
        .map((r) => [
          r.key,
          { state: r.state, githubId: r.github_id, data: r.data ? JSON.parse(r.data) : null },
        ]),
    );
  }

  async putEffect(runId: string, key: string, effect: Effect, at: number): Promise<void> {
    const values = {
      state: effect.state,
      github_id: effect.githubId,
      data: effect.data ? JSON.stringify(effect.data) : null,
      updated_at: at,
    };
    await this.db.kysely
      .insertInto("effects")
      .values({ run_id: runId, key, ...values })
      .onConflict((oc) => oc.columns(["run_id", "key"]).doUpdateSet(values))
      .execute();
  }

  /** Fingerprints already posted on a PR (`posted_findings`, and the findings ledger): never posted again. */
  async postedFingerprints(repo: string, number: number): Promise<Set<string>> {
    const [legacy, ledger] = await Promise.all([
      this.db.kysely
        .selectFrom("posted_findings")
        .select("fingerprint")
        .where("repo", "=", repo)
        .where("number", "=", number)
        .execute(),
      this.db.kysely
        .selectFrom("findings")
        .select("fingerprint")
        .where("repo", "=", repo)
        .where("number", "=", number)
        .execute(),
    ]);
    return new Set([...legacy, ...ledger].map((r) => r.fingerprint));
  }

  async addPostedFindings(
    repo: string,
    number: number,
    fingerprints: readonly string[],
    at: number,
  ): Promise<void> {
    if (fingerprints.length === 0) return;
    await this.db.kysely
      .insertInto("posted_findings")
      .values(fingerprints.map((fingerprint) => ({ repo, number, fingerprint, posted_at: at })))
      .onConflict((oc) => oc.columns(["repo", "number", "fingerprint"]).doNothing())
      .execute();
  }

  /** Run ids of a PR or issue, newest first. */
  async runIdsFor(repo: string, number: number): Promise<string[]> {
    const rows = await this.db.kysely
      .selectFrom("runs")
      .select("id")
      .where("repo", "=", repo)
      .where("number", "=", number)
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .execute();
    return rows.map((r) => r.id);
  }

  /** Run ids whose head SHA is `sha`, newest first. */
  async runIdsForSha(repo: string, sha: string): Promise<string[]> {
    const rows = await this.db.kysely
      .selectFrom("runs")
      .select(["id", "created_at"])
      .where("repo", "=", repo)
      .where("head_sha", "=", sha)
      .execute();
    return rows.sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1)).map((r) => r.id);
  }

  /** Runs that recorded effect `key` with this GitHub id (e.g. `merge` with the merge commit's SHA). */
  async runIdsByEffect(key: string, githubId: string): Promise<string[]> {
    const rows = await this.db.kysely
      .selectFrom("effects")
      .select("run_id")
      .where("key", "=", key)
      .where("github_id", "=", githubId)
      .execute();
    return rows.map((r) => r.run_id);
  }

  async addProtectionRequest(r: ProtectionRequest, at: number): Promise<void> {
    await this.db.kysely
      .insertInto("protection_requests")
      .values({
        callback_url: r.callbackUrl,
        repo: r.repo,
        installation_id: r.installationId,
        sha: r.sha,
        environment: r.environment,
        created_at: at,
        answered_at: null,
        answer: null,
      })
      .onConflict((oc) => oc.column("callback_url").doNothing())
      .execute();
  }

  /** Unanswered protection requests of a repository's SHA. */
  async openProtectionRequests(repo: string, sha: string): Promise<ProtectionRequest[]> {
    const rows = await this.db.kysely
      .selectFrom("protection_requests")
      .selectAll()
      .where("repo", "=", repo)
      .where("sha", "=", sha)
      .where("answered_at", "is", null)
      .execute();
    return rows.map((r) => ({
      callbackUrl: r.callback_url,
      repo: r.repo,
      installationId: r.installation_id,
      sha: r.sha,
      environment: r.environment,
    }));
  }

  /**
   * Marks an unanswered protection request answered; true for the one caller (of any process) whose update
   * changed the row, false when it was answered (or claimed) already.
   */
  async claimProtectionRequest(
    callbackUrl: string,
    answer: "approved" | "rejected",
    at: number,
  ): Promise<boolean> {
    const result = await this.db.kysely
      .updateTable("protection_requests")
      .set({ answered_at: at, answer })
      .where("callback_url", "=", callbackUrl)
      .where("answered_at", "is", null)
      .executeTakeFirst();
    return (result.numUpdatedRows ?? 0n) > 0n;
  }

  /** Undoes `claimProtectionRequest` (made at `at`) whose answer never reached GitHub: a later change answers. */
  async releaseProtectionRequest(callbackUrl: string, at: number): Promise<void> {
    await this.db.kysely
      .updateTable("protection_requests")
      .set({ answered_at: null, answer: null })
      .where("callback_url", "=", callbackUrl)
      .where("answered_at", "=", at)
      .execute();
  }

  async answerProtectionRequest(
    callbackUrl: string,
    answer: "approved" | "rejected",
    at: number,
  ): Promise<void> {
    await this.db.kysely
      .updateTable("protection_requests")
      .set({ answered_at: at, answer })
      .where("callback_url", "=", callbackUrl)
      .execute();
  }
}
