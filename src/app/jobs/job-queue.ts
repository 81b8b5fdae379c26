import { type Job, jobKey } from "../../core/webhooks/webhook-job.js";
import { errorMessage } from "../../engine/error-message.js";
import { withLogContext } from "../../engine/log-context.js";
import type { AppServices } from "../services.js";

/** Does one job; throws to have the failure logged (the job is then marked done: redoing it could post twice). */
export type JobHandler = (services: AppServices, job: Job, deliveryId: string) => Promise<void>;

export interface JobQueueOptions {
  /** How long a claim on a job holds without renewal; renewed every third of it while the job runs. */
  readonly leaseMs?: number;
  /** How often to look for jobs whose claim ran out (a replica died); 0 = only at start. */
  readonly pollMs?: number;
}

/**
 * Runs acknowledged webhook jobs in the background: jobs with the same key (a PR, a SHA, a run) one after
 * another, others in parallel. Replicas on one Postgres share the queue in the database:
 * - the process that acknowledged a delivery claims its job (`claimed_by`, `claimed_until`) and renews the claim
 *   while it works; a job whose claim ran out (its process died) is claimed by exactly one other process;
 * - jobs with the same key hold that key's lock across processes, so a PR's webhooks that reached two replicas
 *   are still handled one at a time;
 * - a job is marked done when it finished, so a restart does what was acknowledged but never finished.
 */
export class JobQueue {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private poller: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly services: AppServices,
    private readonly handle: JobHandler,
    options: JobQueueOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollMs = options.pollMs ?? 10_000;
  }

  /** The claim a job acknowledged now gets (see `GitHubStore.recordJob`). */
  claim(): { by: string; until: number } {
    return { by: this.worker, until: this.services.now() + this.leaseMs };
  }

  /** Runs a job this process claimed. */
  enqueue(deliveryId: string, job: Job): Promise<void> {
    const key = jobKey(job);
    const previous = this.chains.get(key) ?? Promise.resolve();
    // Every line logged while the job runs (handlers, engine, reports it starts) carries its delivery id.
    const next = previous.then(() => withLogContext({ deliveryId }, () => this.run(deliveryId, job, key)));
    this.chains.set(key, next);
    next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
    return this.services.background.track(next);
  }

  /**
   * Claims and runs every job nobody holds: what a previous process acknowledged but did not finish, or what a
   * dead replica left. Then keeps looking every `pollMs`. Resolves with how many jobs this call took.
   */
  async resume(): Promise<number> {
    const taken = await this.takeOver();
    if (this.pollMs > 0 && !this.stopped && !this.poller) {
      const poll = () => {
        this.poller = setTimeout(() => {
          void this.takeOver()
            .catch((err) => this.services.log.error({ err }, "looking for abandoned webhook jobs failed"))
            .finally(() => {
              if (!this.stopped) poll();
            });
        }, this.pollMs);
        this.poller.unref?.();
      };
      poll();
    }
    return taken;
  }

  /** Stops looking for abandoned jobs; jobs under way finish. */
  stop(): void {
    this.stopped = true;
    if (this.poller) clearTimeout(this.poller);
    this.poller = null;
  }

  private get worker(): string {
    return this.services.engine.workerId;
  }

  private async takeOver(): Promise<number> {
    const { github, now } = this.services;
    let taken = 0;
    for (const p of await github.pendingJobs(now())) {
      if (this.stopped) break;
      const claimed = await github.claimJob(p.deliveryId, this.worker, now() + this.leaseMs, now());
      if (!claimed) continue; // another replica took it first
      void this.enqueue(p.deliveryId, p.job);
      taken++;
    }
    if (taken > 0) this.services.log.info({ jobs: taken }, "abandoned webhook jobs taken over");
    return taken;
  }

  private async run(deliveryId: string, job: Job, key: string): Promise<void> {
    const { log, github, now, locks } = this.services;
    const fields = { deliveryId, job: job.type, repo: job.repo.fullName };
    const renew = setInterval(() => {
      github.renewJob(deliveryId, this.worker, now() + this.leaseMs).then(
        (held) => {
          if (!held)
            log.warn(fields, "a webhook job's claim ran out while it ran; another replica may redo it");
        },
        (err) => log.warn({ ...fields, err }, "renewing a webhook job's claim failed"),
      );
    }, this.leaseMs / 3);
    renew.unref?.();
    let started = false;
    try {
      await locks.withLock(`job:${key}`, () => {
        started = true;
        return this.handle(this.services, job, deliveryId);
      });
    } catch (err) {
      log.error({ ...fields, err, error: errorMessage(err) }, "a webhook's job failed");
    } finally {
      clearInterval(renew);
    }
    // Never started (the database could not be reached for the lock): the claim runs out and the job is done later.
    if (!started) return;
    try {
      await github.jobDone(deliveryId, now());
    } catch (err) {
      log.error({ ...fields, err }, "marking a job done failed; a restart will do it again");
    }
  }
}
