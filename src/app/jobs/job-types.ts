import type { Job } from "../../core/webhooks/webhook-job.js";
import type { AppServices } from "../services.js";

/** The job of one type. */
export type JobOf<T extends Job["type"]> = Extract<Job, { type: T }>;

/** A handler of one job type. */
export type HandlerOf<T extends Job["type"]> = (
  s: AppServices,
  job: JobOf<T>,
  deliveryId: string,
) => Promise<void>;
