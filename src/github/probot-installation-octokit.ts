import type { Probot, ProbotOctokit } from "probot";
import type { ChildableLogger } from "../engine/log-context.js";
import type { Logger } from "../engine/logger.js";

type ProbotOctokitClient = InstanceType<typeof ProbotOctokit>;

interface FactoryArgs {
  octokit: ProbotOctokitClient;
  octokitOptions: Record<string, unknown> & { auth?: Record<string, unknown> };
}

/**
 * An `authenticate` for `installationClients`: builds an installation client exactly as `app.auth(installationId)`
 * does (same Octokit class, plugins, logger, base URL and token cache), but with Probot's throttling and retry off.
 * Left on, throttling would pace every write a second time (plus 3 s per content write and 10 requests in flight)
 * and never retry secondary limits, and plugin-retry would resend a POST after a 5xx, which can duplicate a comment
 * or review. `installationClients` does both jobs per installation instead.
 */
export function probotInstallationOctokit(
  app: Probot,
  /** Replaces the clients' logger (Probot's), e.g. to add the current delivery and run ids to its lines. */
  wrapLog?: (log: ChildableLogger) => Logger,
): (installationId: number) => Promise<ProbotOctokitClient> {
  return async (installationId) => {
    const appOctokit = await app.auth();
    // octokit-auth-probot hands the factory the app client's own options; this mirrors Probot's
    // getAuthenticatedOctokit (probot/lib/octokit/get-authenticated-octokit.js) with the two plugins disabled.
    return (await appOctokit.auth({
      type: "installation",
      installationId,
      factory: ({ octokit, octokitOptions }: FactoryArgs) => {
        const Octokit = octokit.constructor as new (options: Record<string, unknown>) => ProbotOctokitClient;
        return new Octokit({
          ...octokitOptions,
          throttle: { enabled: false },
          retry: { enabled: false },
          auth: { ...octokitOptions.auth, installationId },
          ...(wrapLog && octokitOptions.log ? { log: wrapLog(octokitOptions.log as ChildableLogger) } : {}),
        });
      },
    })) as ProbotOctokitClient;
  };
}
