import nock from "nock";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterEach, expect, test } from "vitest";
import { AUTHOR, bootE2E, firstReview, HEAD, mockToGate, PATCH_V1, prEvent } from "../app/e2e-fixtures.js";
import { type AppHarness, INSTALLATION, OWNER, REPO } from "../app/harness.js";
import { serve } from "../helpers/serve-handler.js";

let h: AppHarness | undefined;
let server: Awaited<ReturnType<typeof serve>> | undefined;
afterEach(async () => {
  await server?.close();
  await h?.stop();
  h = server = undefined;
  nock.cleanAll();
});

const FAMILIES = {
  phasegate_runs: "GAUGE",
  phasegate_step_duration_seconds: "HISTOGRAM",
  phasegate_github_requests_total: "COUNTER",
  phasegate_github_rate_limit_waits_total: "COUNTER",
  phasegate_github_rate_limit_wait_seconds_total: "COUNTER",
  phasegate_llm_calls_total: "COUNTER",
  phasegate_llm_tokens_total: "COUNTER",
  phasegate_llm_call_duration_seconds: "HISTOGRAM",
  phasegate_llm_circuit_state: "GAUGE",
  phasegate_engine_queue_depth: "GAUGE",
  phasegate_engine_lease_expiries_total: "COUNTER",
  process_cpu_user_seconds_total: "COUNTER",
} as const;

async function scrape(url: string) {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
  const text = await res.text();
  return { text, families: parsePrometheusTextFormat(text) };
}

type Families = ReturnType<typeof parsePrometheusTextFormat>;

function sample(families: Families, name: string, labels: Record<string, string>) {
  const family = families.find((f) => f.name === name);
  return family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
}

/**
 * A labelled histogram's `_count`, read from the text: parse-prometheus-text-format flattens every histogram into
 * one unlabelled sample (it only handles histograms without labels).
 */
function histogramCount(text: string, name: string, label: string, labelValue: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}_count{${label}="${labelValue}"}`));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
}

function value(families: Families, name: string, labels: Record<string, string> = {}): number {
  const s = sample(families, name, labels);
  return Number(s?.value ?? s?.count ?? 0);
}

test("/metrics: every family, typed; a run through webhooks moves runs, step durations and GitHub requests", async () => {
  const e = await bootE2E("sqlite");
  h = e.h;
  server = await serve(h.http);

  const before = await scrape(server.url);
  for (const [name, type] of Object.entries(FAMILIES)) {
    expect(before.families.find((f) => f.name === name)?.type, name).toBe(type);
  }
  expect(before.families.find((f) => f.name === "phasegate_runs")?.metrics).toEqual([]);
  expect(value(before.families, "phasegate_engine_queue_depth")).toBe(0);

  mockToGate(HEAD, PATCH_V1, { agents: 101, review: 102, approval: 103 }, firstReview(HEAD));
  await h.receive("pull_request", prEvent("opened"));
  expect(nock.pendingMocks()).toEqual([]);

  const after = await scrape(server.url);
  expect(value(after.families, "phasegate_runs", { state: "waiting" })).toBe(1);
  expect(histogramCount(before.text, "phasegate_step_duration_seconds", "kind", "review")).toBeUndefined();
  for (const kind of ["review", "security", "tests"]) {
    expect(histogramCount(after.text, "phasegate_step_duration_seconds", "kind", kind), kind).toBe(1);
  }
  const installation = String(INSTALLATION);
  // Three check runs were created (201: overall, review phase, approval); reads and updates answered 200.
  expect(value(before.families, "phasegate_github_requests_total", { status: "201", installation })).toBe(0);
  expect(value(after.families, "phasegate_github_requests_total", { status: "201", installation })).toBe(3);
  expect(
    value(after.families, "phasegate_github_requests_total", { status: "200", installation }),
  ).toBeGreaterThan(
    value(before.families, "phasegate_github_requests_total", { status: "200", installation }),
  );
  // The heuristic provider makes no model calls.
  expect(after.families.find((f) => f.name === "phasegate_llm_calls_total")?.metrics).toEqual([]);

  // Open, so nothing that names a repository or a person.
  for (const secret of [OWNER, REPO, AUTHOR, "ghs_installation_token"])
    expect(after.text).not.toContain(secret);
});

test("/metrics is per app: two apps in one process keep their own counts", async () => {
  const a = await bootE2E("sqlite");
  h = a.h;
  const other = await bootE2E("sqlite");
  try {
    server = await serve(h.http);
    const otherServer = await serve(other.h.http);
    mockToGate(HEAD, PATCH_V1, { agents: 101, review: 102, approval: 103 }, firstReview(HEAD));
    await h.receive("pull_request", prEvent("opened"));
    const mine = await scrape(server.url);
    const theirs = await scrape(otherServer.url);
    await otherServer.close();
    expect(value(mine.families, "phasegate_runs", { state: "waiting" })).toBe(1);
    expect(theirs.families.find((f) => f.name === "phasegate_runs")?.metrics).toEqual([]);
    expect(histogramCount(mine.text, "phasegate_step_duration_seconds", "kind", "review")).toBe(1);
    expect(histogramCount(theirs.text, "phasegate_step_duration_seconds", "kind", "review")).toBeUndefined();
  } finally {
    await other.h.stop();
  }
});

test("other paths are left to the next handler", async () => {
  const e = await bootE2E("sqlite");
  h = e.h;
  server = await serve(h.http);
  expect((await fetch(`${server.url}/nothing-here`)).status).toBe(404);
});
