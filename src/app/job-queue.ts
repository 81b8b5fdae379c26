import { type Job, jobKey } from "../core/webhook-job.js";
import { errorMessage } from "../engine/error-message.js";
import { withLogContext } from "../ops/log-context.js";
import type { AppServices } from "./services.js";

/** Does one job; throws to have the failure logged (the job is then marked done: redoing it could post twice). */
export type JobHandler = (services: AppServices, job: Job, deliveryId: string) => Promise<void>;

/**
 * Runs acknowledged webhook jobs in the background: jobs with the same key (a PR, a SHA, a run) one after
 * another in arrival order, others in parallel. Each job is marked done in the database when it finished, so a
 * restart (`resume`) does what an earlier process acknowledged but never finished.
 */
export class JobQueue {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly services: AppServices,
    private readonly handle: JobHandler,
  ) {}

  enqueue(deliveryId: string, job: Job): Promise<void> {
    const key = jobKey(job);
    const previous = this.chains.get(key) ?? Promise.resolve();
    // Every line logged while the job runs (handlers, engine, reports it starts) carries its delivery id.
    const next = previous.then(() => withLogContext({ deliveryId }, () => this.run(deliveryId, job)));
    this.chains.set(key, next);
    next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
    return this.services.background.track(next);
  }

  /** Re-enqueues every job a previous process acknowledged but did not finish. */
  async resume(): Promise<number> {
    const pending = await this.services.github.pendingJobs();
    for (const p of pending) void this.enqueue(p.deliveryId, p.job);
    return pending.length;
  }

  private async run(deliveryId: string, job: Job): Promise<void> {
    const { log, github, now } = this.services;
    const fields = { deliveryId, job: job.type, repo: job.repo.fullName };
    try {
      await this.handle(this.services, job, deliveryId);
    } catch (err) {
      log.error({ ...fields, err, error: errorMessage(err) }, "a webhook's job failed");
    }
    try {
      await github.jobDone(deliveryId, now());
    } catch (err) {
      log.error({ ...fields, err }, "marking a job done failed; a restart will do it again");
    }
  }
}
