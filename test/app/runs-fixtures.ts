import nock from "nock";
import type { RunState } from "../../src/core/run/run-state.js";
import type { AgentProvider } from "../../src/engine/ports.js";
import { API, type AppHarness, type HarnessOptions, R, startApp } from "./harness.js";

/** The PR of GitHub's example payloads (acme/widgets#2) and its head. */
export const PR = 2;
export const SHA1 = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
export const SHA2 = "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0";
export const CONTENTS = `${R}/contents/.agents%2Fworkflow.yaml`;

/**
 * A model that is never reachable: agent steps fail retryably and wait out a backoff, so runs stay open and
 * make no request of their own (the diff comes from the `prFiles` memo).
 */
export const unreachableModel: AgentProvider = {
  label: "unreachable (test)",
  run: async () => {
    throw Object.assign(new Error("model unreachable (test)"), { status: 503 });
  },
};

/** A one-workflow file whose single agent step stays quiet; `on` is the workflow's trigger as YAML. */
export function workflowYaml(on: string, id = "review"): string {
  return `version: 1
workflows:
  ${id}:
    on:
${on
  .split("\n")
  .map((l) => `      ${l}`)
  .join("\n")}
    phases:
      check:
        steps:
          - id: summary
            uses: agent
            retries: 10
            prompt: "Summarise {{ pr.title }}"
`;
}

/** GitHub's answer to GET /pulls/{n}, trimmed to what the app reads. */
export function apiPr(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    number: PR,
    state: "open",
    merged: false,
    draft: false,
    head: { sha: SHA1, ref: "feature" },
    base: { ref: "main" },
    user: { login: "Codertocat" },
    labels: [],
    title: "Update the README with new information",
    body: "This is a pretty simple change that we need to pull into main.",
    ...patch,
  };
}

/** GET the workflow file at `ref` (raw media type), answered with `text` or a 404. */
export function mockConfig(text: string | null, ref = "main"): nock.Scope {
  const scope = nock(API).get(CONTENTS).query({ ref }).matchHeader("accept", "application/vnd.github.v3.raw");
  return text === null
    ? scope.reply(404, { message: "Not Found" })
    : scope.reply(200, text, { "content-type": "application/vnd.github.raw" });
}

export function mockPr(pr: Record<string, unknown> = apiPr()): nock.Scope {
  return nock(API).get(`${R}/pulls/${PR}`).reply(200, pr);
}

export interface FileEntry {
  readonly filename: string;
  readonly status?: string;
  readonly patch?: string;
  readonly previous_filename?: string;
}

export function mockFiles(files: readonly FileEntry[] = [{ filename: "src/index.ts" }]): nock.Scope {
  return nock(API)
    .get(`${R}/pulls/${PR}/files`)
    .query({ per_page: "100", page: "1" })
    .reply(
      200,
      files.map((f, i) => ({
        sha: `blob${i}`,
        status: "modified",
        additions: 1,
        deletions: 0,
        changes: 1,
        patch: "@@ -1 +1,2 @@\n line\n+added",
        ...f,
      })),
    );
}

/** Every run of the PR, oldest first, with the columns the dashboard filters on. */
export async function runRows(h: AppHarness) {
  return h.db.db.kysely
    .selectFrom("runs")
    .select(["id", "repo", "number", "workflow_id", "head_sha", "status"])
    .orderBy("created_at")
    .orderBy("id")
    .execute();
}

export async function loadRuns(h: AppHarness): Promise<RunState[]> {
  const rows = await runRows(h);
  const runs = await Promise.all(rows.map((r) => h.services.store.loadRun(r.id)));
  return runs.filter((r): r is RunState => r !== null);
}

/**
 * The app with quiet agent steps, and failing fast on a request nobody expected (a 5xx-like nock miss is
 * otherwise retried with back-off).
 */
export function startRunsApp(options: HarnessOptions = {}): Promise<AppHarness> {
  return startApp({
    provider: unreachableModel,
    backoff: { serverErrorBaseMs: 1, serverErrorRetries: 0, secondaryBaseMs: 1 },
    ...options,
  });
}

let checkRunIds = 1000;
/**
 * Answers the check runs other modules (the reporter) post for a run, so these tests stay about runs. Optional
 * and persistent: the requests of THIS module are asserted exactly, each test with its own interceptors.
 */
export function answerCheckRuns(): void {
  nock(API)
    .persist()
    .post(`${R}/check-runs`)
    .optionally()
    .reply(201, () => ({ id: ++checkRunIds }));
  nock(API)
    .persist()
    .patch(/\/repos\/acme\/widgets\/check-runs\/\d+$/)
    .optionally()
    .reply(200, (uri: string) => ({ id: Number(uri.split("/").pop()) }));
  nock(API)
    .persist()
    .get(/\/repos\/acme\/widgets\/commits\/[0-9a-f]+\/check-runs/)
    .optionally()
    .reply(200, { total_count: 0, check_runs: [] });
}

/**
 * Every request the app made to GitHub (token requests aside), as `METHOD path?query`, in the order they were
 * answered; except that a PR's read and its files' first page, which go out together, are listed PR first.
 */
export function requestsMade(h: AppHarness): string[] {
  const made = h.logs
    .map((l) => String(l.msg ?? ""))
    .filter((m) => m.startsWith("GitHub request: ") && !m.includes("/access_tokens"))
    .map((m) =>
      m
        .slice("GitHub request: ".length)
        .replace(API, "")
        .replace(/ - \d+$/, ""),
    );
  for (let i = 0; i + 1 < made.length; i++) {
    const [a, b] = [made[i] as string, made[i + 1] as string];
    if (a.startsWith(`${b}/files?`) && /^GET \S+\/pulls\/\d+$/.test(b)) [made[i], made[i + 1]] = [b, a];
  }
  return made;
}
