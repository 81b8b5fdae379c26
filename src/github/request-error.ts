/** The HTTP status of a failed Octokit request, if it had one. */
export function httpStatus(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

/** GitHub's own message of a failed request (`response.data.message`), else the error's message. */
export function githubMessage(err: unknown): string {
  const data = (err as { response?: { data?: unknown } } | null)?.response?.data;
  const message = (data as { message?: unknown } | null | undefined)?.message;
  if (typeof message === "string" && message) return message;
  return err instanceof Error ? err.message : String(err);
}
