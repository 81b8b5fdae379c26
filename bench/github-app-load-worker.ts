import { createHash, randomUUID } from "node:crypto";
import { request } from "node:http";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { parentPort, workerData } from "node:worker_threads";
import { APP_ID, WEBHOOK_SECRET } from "./github-app-constants.js";
import { FINDINGS_DIFF, STANDARD_WORKFLOW } from "./github-app-diffs.js";
import { startFakeGitHub, TOKEN_ROUTE } from "./github-app-fake-github.js";
import {
  approvalEvent,
  commentEvent,
  foreignCheckRunEvent,
  OWNER,
  pullRequestEvent,
  REPO,
  signature,
} from "./github-app-payloads.js";

/**
 * The outside world of the webhook bench, on its own thread so it does not share the app's event loop (in
 * production GitHub and its webhook sender are other machines): the fake GitHub API, and a sender that POSTs
 * signed deliveries on schedule and times each answer.
 */

export type ToWorker = { type: "send"; port: number; path: string } | { type: "finish" };
export type FromWorker =
  | { type: "started"; url: string }
  | {
      type: "sent";
      times: number[];
      statuses: number[];
      mix: Record<string, number>;
      sendSpanMs: number;
      backlogMs: number;
      duringReads: number;
      duringWrites: number;
      /** This thread's own event-loop delay while sending, ms: the sender's share of the measured times. */
      senderLoopP99: number;
      senderLoopMax: number;
    }
  | { type: "finished"; reads: number; writes: number; tokenRequests: number };

export interface LoadSettings {
  /** false: the repository has no `.agents/workflow.yaml`, so no run starts (the intake's cost alone). */
  readonly workflow: boolean;
  readonly ratePerS: number;
  readonly seconds: number;
}

interface Delivery {
  readonly event: string;
  readonly kind: string;
  readonly body: string;
  /** For `synchronize`: the PR and its new head, which the fake GitHub reports once the push is sent. */
  readonly push?: { number: number; sha: string };
}

const sha = (text: string) => createHash("sha1").update(text).digest("hex");
const headOf = (n: number, push: number) => sha(`pr-${n}-${push}`);

/**
 * The deliveries, in order: a repeating pattern of 10 where each PR is opened, later pushed to, commented on
 * (`/agents status`) and reviewed, with CI's check runs completing in between — 40% opened, 20% synchronize,
 * 10% comments, 10% reviews, 20% another app's check runs. Bodies are serialized up front.
 */
function deliveries(count: number): Delivery[] {
  const out: Delivery[] = [];
  let opened = 0;
  const add = (event: string, kind: string, payload: object, push?: Delivery["push"]) =>
    out.push({ event, kind, body: JSON.stringify(payload), ...(push ? { push } : {}) });
  for (let i = 0; out.length < count; i++) {
    const slot = i % 10;
    const pr = 100 + opened;
    // Older PRs get the follow-up events, so they land while those PRs' runs are under way.
    const older = 100 + Math.max(0, opened - 3);
    if (slot === 0 || slot === 3 || slot === 5 || slot === 8) {
      add(
        "pull_request",
        "pull_request.opened",
        pullRequestEvent("opened", pr, headOf(pr, 0), "octo-author"),
      );
      opened += 1;
    } else if (slot === 1 || slot === 6) {
      add(
        "pull_request",
        "pull_request.synchronize",
        pullRequestEvent("synchronize", older, headOf(older, 1), "octo-author"),
        { number: older, sha: headOf(older, 1) },
      );
    } else if (slot === 2) {
      add(
        "issue_comment",
        "issue_comment.created (/agents status)",
        commentEvent(older, 70_000 + i, "/agents status", "octo-reviewer"),
      );
    } else if (slot === 4) {
      add(
        "pull_request_review",
        "pull_request_review.submitted",
        approvalEvent(older, headOf(older, 1), "octo-author", "octo-reviewer"),
      );
    } else {
      add(
        "check_run",
        "check_run.completed (another app)",
        foreignCheckRunEvent(headOf(older, 1), 80_000 + i),
      );
    }
  }
  return out;
}

/** POSTs one signed delivery on a fresh connection; resolves with the status and the time to the response's end. */
function post(port: number, path: string, d: Delivery): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        agent: false,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(d.body),
          "user-agent": "GitHub-Hookshot/bench",
          "x-github-event": d.event,
          "x-github-delivery": randomUUID(),
          "x-github-hook-id": "1",
          "x-hub-signature-256": signature(WEBHOOK_SECRET, d.body),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    req.on("error", () => resolve({ status: 0, ms: performance.now() - started }));
    req.end(d.body);
  });
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error("github-app-load-worker runs as a worker thread");
  const settings = workerData as LoadSettings;
  const fake = await startFakeGitHub({
    appId: APP_ID,
    owner: OWNER,
    repo: REPO,
    workflowYaml: settings.workflow ? STANDARD_WORKFLOW : null,
  });
  fake.setDefaultFiles(FINDINGS_DIFF);
  const list = deliveries(settings.ratePerS * settings.seconds);
  const apiOnly = () => fake.served.filter((r) => r.route !== TOKEN_ROUTE);
  const send = (m: FromWorker) => port.postMessage(m);
  port.on("message", async (m: ToWorker) => {
    if (m.type === "send") {
      const loop = monitorEventLoopDelay({ resolution: 5 });
      loop.enable();
      const interval = 1000 / settings.ratePerS;
      const t0 = performance.now();
      const pending: Promise<{ status: number; ms: number }>[] = [];
      for (const [i, d] of list.entries()) {
        const wait = t0 + i * interval - performance.now();
        if (wait > 0) await sleep(wait);
        if (d.push) fake.pull(d.push.number).headSha = d.push.sha;
        pending.push(post(m.port, m.path, d));
      }
      const sent = performance.now();
      const answers = await Promise.all(pending);
      loop.disable();
      const during = apiOnly();
      const mix: Record<string, number> = {};
      for (const d of list) mix[d.kind] = (mix[d.kind] ?? 0) + 1;
      send({
        type: "sent",
        times: answers.map((a) => a.ms),
        statuses: answers.map((a) => a.status),
        mix,
        sendSpanMs: sent - t0,
        backlogMs: performance.now() - sent,
        duringReads: during.filter((r) => r.method === "GET").length,
        duringWrites: during.filter((r) => r.method !== "GET").length,
        senderLoopP99: loop.percentile(99) / 1e6,
        senderLoopMax: loop.max / 1e6,
      });
    } else {
      const api = apiOnly();
      await fake.close();
      send({
        type: "finished",
        reads: api.filter((r) => r.method === "GET").length,
        writes: api.filter((r) => r.method !== "GET").length,
        tokenRequests: fake.served.length - api.length,
      });
      port.close();
    }
  });
  send({ type: "started", url: fake.url });
}

await main();
