import type { Octokit } from "../services.js";

/** A deployment as the REST API lists it (the fields phasegate reads). */
export interface DeploymentLike {
  readonly id: number;
  readonly sha: string;
  readonly environment: string;
  readonly payload: unknown;
}

export interface RepoRef {
  readonly owner: string;
  readonly repo: string;
}

export interface NewDeployment {
  readonly ref: string;
  readonly environment: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly description: string;
  /** Aborts the request when the step is stopped (the write may still have happened: find it next time). */
  readonly signal?: AbortSignal;
}

function payloadOf(d: DeploymentLike): Record<string, unknown> {
  const p = d.payload;
  if (typeof p === "string") {
    try {
      return JSON.parse(p) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return p && typeof p === "object" ? (p as Record<string, unknown>) : {};
}

/** Whether every key of `payload` is on the deployment's payload with the same value. */
export function payloadMatches(d: DeploymentLike, payload: Readonly<Record<string, unknown>>): boolean {
  const have = payloadOf(d);
  return Object.entries(payload).every(([k, v]) => have[k] === v);
}

/** Creates a deployment that needs no status checks and never merges the default branch into the ref. */
export async function createDeployment(
  octokit: Octokit,
  repo: RepoRef,
  d: NewDeployment,
): Promise<DeploymentLike> {
  const res = await octokit.request("POST /repos/{owner}/{repo}/deployments", {
    ...repo,
    ref: d.ref,
    environment: d.environment,
    auto_merge: false,
    required_contexts: [],
    payload: { ...d.payload },
    description: d.description,
    ...(d.signal ? { request: { signal: d.signal } } : {}),
  });
  const data = res.data as Partial<DeploymentLike> & { message?: string };
  if (res.status !== 201 || typeof data.id !== "number") {
    throw new Error(`GitHub did not create the deployment: ${data.message ?? `HTTP ${res.status}`}`);
  }
  return data as DeploymentLike;
}

/** A deployment of `sha` to `environment` carrying `payload`: how a write whose answer was lost is found. */
export async function findDeployment(
  octokit: Octokit,
  repo: RepoRef,
  query: { readonly sha: string; readonly environment: string },
  payload: Readonly<Record<string, unknown>>,
): Promise<DeploymentLike | null> {
  const res = await octokit.request("GET /repos/{owner}/{repo}/deployments", {
    ...repo,
    sha: query.sha,
    environment: query.environment,
    per_page: 100,
  });
  return (res.data as DeploymentLike[]).find((d) => payloadMatches(d, payload)) ?? null;
}
