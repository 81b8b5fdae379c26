import { createHmac, randomUUID } from "node:crypto";
import type { AppHarness } from "./harness.js";

/** The harness's webhook secret: what GitHub signs deliveries with. */
export const WEBHOOK_SECRET = "webhook-secret";

/** `X-Hub-Signature-256` of a body, as GitHub computes it. */
export function signatureOf(body: string, secret = WEBHOOK_SECRET): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** Delivers a signed webhook to the next replica (see `AppHarness.receiveSigned`), then waits until idle. */
export function deliverSigned(
  h: AppHarness,
  name: string,
  payload: Record<string, unknown>,
  id: string = randomUUID(),
): Promise<void> {
  return h.receiveSigned(name, payload, id);
}
