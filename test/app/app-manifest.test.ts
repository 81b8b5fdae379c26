import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { expect, test } from "vitest";
import { parse } from "yaml";
import { webhookJob } from "../../src/core/webhooks/webhook-job.js";
import { example } from "./harness.js";

const manifest = parse(readFileSync(new URL("../../app.yml", import.meta.url), "utf8")) as {
  default_events: string[];
  default_permissions: Record<string, string>;
};
const examples = createRequire(import.meta.url)("@octokit/webhooks-examples/api.github.com/index.json") as {
  name: string;
  examples: { action?: string }[];
}[];

/** Every event some example payload of which `webhookJob` turns into a job (or reads before ignoring). */
function eventsUsed(): string[] {
  const used = new Set<string>();
  for (const e of examples) {
    for (const x of e.examples) {
      const t = webhookJob(e.name, example(e.name, x.action ?? null), 1, 0);
      if ("job" in t || t.ignored !== `${e.name} is not used`) used.add(e.name);
    }
  }
  // No example payload of this one ships with @octokit/webhooks-examples: a minimal one of GitHub's shape.
  const rule = webhookJob(
    "deployment_protection_rule",
    {
      ...example("deployment_status", null),
      action: "requested",
      environment: "production",
      deployment_callback_url:
        "https://api.github.com/repos/acme/widgets/actions/runs/1/deployment_protection_rule",
      deployment: { sha: "a".repeat(40) },
    },
    1,
    0,
  );
  if ("job" in rule) used.add("deployment_protection_rule");
  return [...used].sort();
}

test("app.yml subscribes to exactly the events the app translates into jobs", () => {
  expect([...manifest.default_events].sort()).toEqual(eventsUsed());
  expect(manifest.default_events).toContain("pull_request_review_comment");
  expect(manifest.default_events).toContain("pull_request_review_thread");
});

test("app.yml asks for no more than the app uses", () => {
  expect(manifest.default_permissions).toEqual({
    metadata: "read",
    checks: "write",
    contents: "write",
    pull_requests: "write",
    issues: "write",
    deployments: "write",
    statuses: "read",
    actions: "read",
    merge_queues: "read",
    members: "read",
  });
});
