import { generateKeyPairSync, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FINDINGS_DIFF, STANDARD_WORKFLOW } from "../../bench/github-app-diffs.js";
import { type FakeGitHub, startFakeGitHub } from "../../bench/github-app-fake-github.js";
import {
  approvalEvent,
  commentEvent,
  example,
  OWNER,
  pullRequestEvent,
  REPO,
} from "../../bench/github-app-payloads.js";
import { createTestDatabase, type TestDatabase } from "../db/databases.js";
import { deliverWebhook, freePort } from "../helpers/deliver-webhook.js";
import { bundleScript, type ScriptProcess, spawnScript } from "../helpers/node-script.js";

/**
 * Several replicas for real: two app processes (src/server.ts, as `npm start` runs it) on one Postgres database,
 * a fake GitHub on 127.0.0.1, signed webhooks alternating between the two. One PR goes through the release flow
 * (review → approval → merge → deploy to staging), with its webhooks delivered twice over (a redelivery to the
 * other process) and its commands sent to both. Every write must reach GitHub once, and the installation's
 * writes must keep GitHub's pace (about one a second) across both processes.
 */

const APP_ID = 1;
const SECRET = "replicas-test-webhook-secret";
const PR = 1;
const AUTHOR = "octo-author";
const APPROVER = "carol";
/** Production pacing: one write a second per installation, whichever process sends it. */
const WRITE_INTERVAL_MS = 1000;

/** The standard workflow (review → approval → merge), then a deploy to staging. */
const RELEASE_WORKFLOW = `${STANDARD_WORKFLOW}      staging:
        name: Staging
        depends_on: [merge]
        steps:
          - { id: staging, uses: deploy, with: { environment: staging } }
`;

/** Writes (every method but GET) the app made to GitHub, token requests aside. */
const writesOf = (fake: FakeGitHub) =>
  fake.served.filter((r) => r.method !== "GET" && !r.route.startsWith("POST /app/installations/"));

describe("two app processes on one Postgres database", () => {
  let db: TestDatabase;
  let fake: FakeGitHub;
  const apps: ScriptProcess[] = [];
  const ports: number[] = [];
  let turn = 0;

  /** Delivers `payload` to the next process in turn; with `twice`, the same delivery to the other one too. */
  async function send(event: string, payload: object, twice = false): Promise<void> {
    const id = randomUUID();
    const first = ports[turn++ % ports.length] as number;
    expect(await deliverWebhook(first, SECRET, event, payload, id)).toBe(200);
    if (twice) {
      const other = ports[turn % ports.length] as number;
      expect(await deliverWebhook(other, SECRET, event, payload, id)).toBe(200);
    }
  }

  const until = async (what: string, ok: () => boolean, timeoutMs = 60_000): Promise<void> => {
    const end = Date.now() + timeoutMs;
    while (!ok()) {
      if (Date.now() > end)
        throw new Error(`timed out waiting for ${what}: ${JSON.stringify(writesOf(fake))}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    fake = await startFakeGitHub({
      appId: APP_ID,
      owner: OWNER,
      repo: REPO,
      workflowYaml: RELEASE_WORKFLOW,
      latencyMs: 20,
    });
    fake.setDefaultFiles(FINDINGS_DIFF);
    const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 })
      .privateKey.export({ type: "pkcs1", format: "pem" })
      .toString();
    const script = await bundleScript(new URL("../dashboard/app-process.ts", import.meta.url));
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      ports.push(port);
      apps.push(
        spawnScript(script, {
          APP_ID: String(APP_ID),
          PRIVATE_KEY: privateKey,
          WEBHOOK_SECRET: SECRET,
          HOST: "127.0.0.1",
          PORT: String(port),
          GHE_HOST: new URL(fake.url).host,
          GHE_PROTOCOL: "http",
          DATABASE_URL: db.url,
          LOG_FORMAT: "json",
          LOG_LEVEL: "info",
        }),
      );
    }
    await Promise.all(apps.map((a) => a.waitFor(/Listening on/, 30_000)));
  }, 60_000);

  afterAll(async () => {
    for (const app of apps) {
      if (app.exitCode !== null) continue;
      const exited = new Promise((resolve) => app.once("exit", resolve));
      app.kill("SIGTERM");
      await exited;
    }
    await fake?.close();
    await db?.cleanup();
  });

  it("makes every write once and keeps one installation's writes a second apart across both", async () => {
    const head = fake.pull(PR).headSha;

    // 1. opened, delivered to both processes (a redelivery): one run, reviewed once, up to the waiting gate.
    await send("pull_request", pullRequestEvent("opened", PR, head, AUTHOR), true);
    await until("the review", () =>
      writesOf(fake).some((r) => r.route.endsWith("/pulls/{pull_number}/reviews")),
    );

    // 2. Two commands and the approving review, spread over both processes, at once.
    fake.addReview(PR, { user: APPROVER, state: "APPROVED", commitId: head });
    await Promise.all([
      send("issue_comment", commentEvent(PR, 501, "/agents status", APPROVER)),
      send("pull_request_review", approvalEvent(PR, head, AUTHOR, APPROVER)),
      send("issue_comment", commentEvent(PR, 502, "/agents status", APPROVER)),
    ]);
    await until("the merge and the deployment", () =>
      writesOf(fake).some((r) => r.route === "POST /repos/{owner}/{repo}/deployments"),
    );

    // 3. The deploy job reports success, to both processes.
    const deployment = writesOf(fake).find((r) => r.route === "POST /repos/{owner}/{repo}/deployments");
    const deploymentId = deployment?.answeredId;
    expect(deploymentId).toEqual(expect.any(Number));
    await send(
      "deployment_status",
      example("deployment_status", "created", {
        deployment: { id: deploymentId, environment: "staging", payload: deployment?.body.payload },
        deployment_status: { state: "success", environment: "staging", description: "deployed" },
      }),
      true,
    );
    const stagingId = () =>
      writesOf(fake).find((r) => r.route.endsWith("/check-runs") && r.body.name === "agents / Staging")
        ?.answeredId;
    await until("the staging check run completed", () =>
      writesOf(fake).some(
        (r) =>
          r.body.status === "completed" &&
          (r.body.name === "agents / Staging" || r.detail.includes(`/check-runs/${stagingId()} `)),
      ),
    );
    // Let both processes finish whatever they still had queued.
    await new Promise((resolve) => setTimeout(resolve, 3 * WRITE_INTERVAL_MS));

    const writes = writesOf(fake);
    const count = (route: string) => writes.filter((r) => r.route === route).length;
    // One check run per name on the commit, one review, one merge, one deployment, one reply per command.
    const created = writes
      .filter((r) => r.route === "POST /repos/{owner}/{repo}/check-runs")
      .map((r) => r.body.name);
    expect(created.sort()).toEqual(
      ["agents", "agents / Approval", "agents / Merge", "agents / Review", "agents / Staging"].sort(),
    );
    expect(count("POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews")).toBe(1);
    expect(count("PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge")).toBe(1);
    expect(count("POST /repos/{owner}/{repo}/deployments")).toBe(1);
    expect(count("POST /repos/{owner}/{repo}/issues/{issue_number}/comments")).toBe(2);
    expect(count("POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions")).toBe(2);

    // GitHub's pace, shared: writes of the one installation start at least a second apart (less the loopback's
    // jitter, which the fake sees), so no 10 s window holds more than 10 of them (before: 16–17 with two processes).
    const JITTER_MS = 100;
    const at = writes.map((r) => r.at).sort((a, b) => a - b);
    const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(WRITE_INTERVAL_MS - JITTER_MS);
    const busiest = Math.max(...at.map((t) => at.filter((u) => u >= t && u < t + 10_000 - JITTER_MS).length));
    expect(busiest).toBeLessThanOrEqual(10);
    console.info(
      `two processes: ${writes.length} writes, min gap ${Math.round(Math.min(...gaps))} ms, ` +
        `at most ${busiest} in any 10 s`,
    );

    // Neither process logged an error.
    for (const app of apps) {
      const errors = app
        .output()
        .stdout.split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as { level: number; msg: string })
        .filter((l) => l.level >= 50);
      expect(errors).toEqual([]);
    }
  }, 120_000);
});
