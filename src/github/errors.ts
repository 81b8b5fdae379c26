/**
 * GitHub kept rate-limiting a request and the next back-off would pass the configured bound, so the layer gave up
 * rather than wait (or fail) silently.
 */
export class GitHubRateLimitError extends Error {
  override readonly name = "GitHubRateLimitError";
  constructor(
    /** `METHOD /path` of the request, e.g. `POST /repos/{owner}/{repo}/issues/{issue_number}/comments`. */
    readonly route: string,
    readonly installationId: number,
    /** Total time already spent backing off for this request. */
    readonly waitedMs: number,
    /** The back-off GitHub asked for next, which would have crossed the bound. */
    readonly nextWaitMs: number,
    options: { cause: unknown },
  ) {
    super(
      `GitHub rate limit on ${route} for installation ${installationId}: gave up after waiting ` +
        `${Math.round(waitedMs / 1000)} s (the next wait, ${Math.round(nextWaitMs / 1000)} s, would pass the bound)`,
      options,
    );
  }
}

/**
 * A non-idempotent write (POST) failed with a 5xx or a network error, so it may or may not have taken effect.
 * It is never retried blindly: the caller re-reads GitHub's state and finds-or-creates (check run by name + head SHA
 * or `external_id`, review or comment by its fingerprint) before writing again.
 */
export class GitHubWriteUncertainError extends Error {
  override readonly name = "GitHubWriteUncertainError";
  constructor(
    readonly route: string,
    readonly installationId: number,
    /** HTTP status of the failure; undefined for a network error. */
    readonly status: number | undefined,
    options: { cause: unknown },
  ) {
    super(
      `GitHub ${status ?? "network error"} on ${route} for installation ${installationId}: ` +
        "the write may have succeeded; re-read before writing again",
      options,
    );
  }
}
