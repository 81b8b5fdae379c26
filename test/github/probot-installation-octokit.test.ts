import { generateKeyPairSync } from "node:crypto";
import nock from "nock";
import pino from "pino";
import { Probot } from "probot";
import { afterEach, expect, test } from "vitest";
import { GitHubWriteUncertainError } from "../../src/github/errors.js";
import { installationClients } from "../../src/github/installation-clients.js";
import { probotInstallationOctokit } from "../../src/github/probot-installation-octokit.js";
import type { RateLimitWait } from "../../src/github/rate-limit-wait.js";
import { VirtualClock } from "./virtual-clock.js";

const API = "https://api.github.com";

afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

test("clients from a Probot app use the installation token, with Probot's throttling and retry off", async () => {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const app = new Probot({
    appId: 1,
    privateKey: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    log: pino({ level: "silent" }),
  });
  const clock = new VirtualClock();
  const waits: RateLimitWait[] = [];
  const github = installationClients({
    authenticate: probotInstallationOctokit(app),
    clock,
    onWait: (w) => waits.push(w),
  });
  const times: number[] = [];
  const start = clock.now();
  const token = { reqheaders: { authorization: "token inst-token" } };
  nock(API)
    .post("/app/installations/42/access_tokens")
    .reply(201, { token: "inst-token", expires_at: "2999-01-01T00:00:00Z", permissions: {} });
  nock(API, token)
    .post("/repos/o/r/issues/1/comments", { body: "hi" })
    .reply(() => {
      times.push(clock.now() - start);
      return [502, {}];
    })
    .patch("/repos/o/r/check-runs/5")
    .reply(() => {
      times.push(clock.now() - start);
      return [502, {}];
    })
    .patch("/repos/o/r/check-runs/5")
    .reply(() => {
      times.push(clock.now() - start);
      return [200, {}];
    });

  const realStart = Date.now();
  const octokit = await github.forInstallation(42);
  // plugin-retry, were it on, would have sent this POST again (and nock would fail on the unmatched request).
  const posted = octokit.rest.issues.createComment({ owner: "o", repo: "r", issue_number: 1, body: "hi" });
  await expect(clock.run(posted, () => false)).rejects.toBeInstanceOf(GitHubWriteUncertainError);
  await clock.run(
    octokit.rest.checks.update({ owner: "o", repo: "r", check_run_id: 5, status: "in_progress" }),
    () => false,
  );
  // Only virtual time passed: Probot's throttling (1 s between writes) and plugin-retry (1 s) would wait for real.
  expect(Date.now() - realStart).toBeLessThan(900);
  expect(times).toEqual([0, 1000, 2000]);
  expect(waits.map((w) => [w.reason, w.waitMs])).toEqual([["server-error", 1000]]);
});
