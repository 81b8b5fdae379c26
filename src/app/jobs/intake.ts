import type { Probot } from "probot";
import { webhookJob } from "../../core/webhooks/webhook-job.js";
import type { AppServices } from "../services.js";
import type { JobQueue } from "./job-queue.js";

/**
 * Every webhook: translate it into a job, record the delivery (its `X-GitHub-Delivery` id) with the job in one
 * insert (claimed by this process), hand the job to the queue and return, so GitHub gets its answer within milliseconds. A delivery id
 * seen before is a no-op. Probot has already verified the signature.
 */
export function registerIntake(app: Probot, services: AppServices, queue: JobQueue): void {
  app.onAny(async (context) => {
    const receivedAt = services.now();
    const translation = webhookJob(context.name, context.payload, services.appId, receivedAt);
    const job = "job" in translation ? translation.job : null;
    const fresh = await services.github.recordJob({
      id: context.id,
      event: context.name,
      receivedAt,
      job,
      claim: queue.claim(),
    });
    if (!fresh) {
      services.log.info({ deliveryId: context.id, event: context.name }, "repeated delivery ignored");
      return;
    }
    if (!job) {
      services.log.debug(
        {
          deliveryId: context.id,
          event: context.name,
          why: "ignored" in translation ? translation.ignored : "",
        },
        "webhook needs nothing",
      );
      return;
    }
    void queue.enqueue(context.id, job);
  });
}
