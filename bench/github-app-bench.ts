import { benchRequests, requestLines } from "./github-app-requests.js";
import { benchAllWebhooks, webhookLines } from "./github-app-webhooks.js";
import { benchSharedPacing, sharedPacingLines } from "./github-pacing-bench.js";

/**
 * Issue 3's figures, printed: GitHub API requests of one standard run (targets ≤ 15 in all, ≤ 8 writes) and
 * webhook acknowledgement under 50 deliveries/s (target p99 ≤ 50 ms); and the pacing replicas share on Postgres
 * (target ≤ 10 writes per installation per 10 s, however many replicas). Figures only; no assertions.
 */
export async function printGitHubAppBench(): Promise<void> {
  console.log("phasegate bench — GitHub requests per standard run");
  for (const line of requestLines(await benchRequests())) console.log(`  ${line}`);
  console.log("phasegate bench — webhook acknowledgement");
  for (const line of webhookLines(await benchAllWebhooks())) console.log(`  ${line}`);
  console.log("phasegate bench — GitHub pacing shared by replicas");
  for (const line of sharedPacingLines(await benchSharedPacing())) console.log(`  ${line}`);
}
