import { ProbotOctokit } from "probot";
import {
  type InstallationClientsOptions,
  installationClients,
} from "../../src/github/installation-clients.js";
import type { RateLimitWait } from "../../src/github/rate-limit-wait.js";
import { VirtualClock } from "./virtual-clock.js";

type Client = InstanceType<typeof ProbotOctokit>;
type Extra = Omit<InstallationClientsOptions<Client>, "authenticate" | "clock" | "onWait">;

/**
 * Paced clients over ProbotOctokit (as in production: token auth, Probot's throttling and retry off) on a virtual
 * clock, with every back-off recorded and a count of requests actually on the wire.
 */
export function harness(extra: Extra = {}) {
  const clock = new VirtualClock();
  const waits: RateLimitWait[] = [];
  let onWire = 0;
  const clients = installationClients<Client>({
    ...extra,
    clock,
    onWait: (wait) => waits.push(wait),
    authenticate: async () => {
      const octokit = new ProbotOctokit({
        auth: { token: "test-token" },
        throttle: { enabled: false },
        retry: { enabled: false },
      });
      // Registered before the pacing wrap, so it sits inside it and sees only requests really sent.
      octokit.hook.wrap("request", async (request, options) => {
        onWire++;
        try {
          return await request(options);
        } finally {
          onWire--;
        }
      });
      return octokit;
    },
  });
  const run = <T>(work: Promise<T>) => clock.run(work, () => onWire > 0);
  /** Elapsed virtual milliseconds since the harness started. */
  const start = clock.now();
  const elapsed = () => clock.now() - start;
  return {
    clock,
    waits,
    clients,
    run,
    elapsed,
    forInstallation: (id: number) => clients.forInstallation(id),
  };
}
