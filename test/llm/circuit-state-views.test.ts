import { afterEach, describe, expect, it } from "vitest";
import { RunChanges } from "../../src/app/run-changes.js";
import { dashboardHandler } from "../../src/dashboard/handler.js";
import type { Db } from "../../src/db/connect.js";
import {
  breakerFor,
  type CircuitBreaker,
  circuitStates,
  resetBreakers,
} from "../../src/llm/circuit-breaker.js";
import { createMetrics } from "../../src/ops/metrics.js";
import { type AppHarness, startApp } from "../app/harness.js";
import { serve } from "../helpers/serve-handler.js";

// Where the breakers' states are read: `/metrics` (phasegate_llm_circuit_state) and the runs list's "Model
// endpoints" line. Both take `circuitStates` as a parameter (ops and dashboard may not import llm), so they are
// tested here, next to the registry they read.

const SECRET_URL = "https://user:sk-live-secret@llm.example.test:8443/openai/v1?api-key=sk-other";

function fail(breaker: CircuitBreaker, n: number): void {
  for (let i = 0; i < n; i++) breaker.failed(breaker.admit() as "call");
}

afterEach(() => resetBreakers());

describe("phasegate_llm_circuit_state", () => {
  it("is 0 closed, 1 half-open, 2 open, labelled with the endpoint's host only", async () => {
    fail(breakerFor(SECRET_URL), 5);
    fail(breakerFor("http://127.0.0.1:4000/v1"), 4);
    // A half-open breaker of the registry would need 30 s of real time: this one is added as read.
    const states = () => [...circuitStates(), { endpoint: "half.example.test", state: "half-open" as const }];
    const metrics = createMetrics({} as Db, { circuits: states });
    const text = await metrics.registry.getSingleMetricAsString("phasegate_llm_circuit_state");
    expect(text.split("\n")).toEqual([
      "# HELP phasegate_llm_circuit_state Circuit breaker of each model endpoint (host): 0 closed, 1 half-open, 2 open",
      "# TYPE phasegate_llm_circuit_state gauge",
      'phasegate_llm_circuit_state{endpoint="127.0.0.1:4000"} 0',
      'phasegate_llm_circuit_state{endpoint="llm.example.test:8443"} 2',
      'phasegate_llm_circuit_state{endpoint="half.example.test"} 1',
    ]);
    expect(text).not.toMatch(/sk-|user|openai|api-key/);
  });

  it("reads the breakers at scrape time: a circuit that closes shows 0 at the next scrape", async () => {
    const breaker = breakerFor("https://llm.example.test/v1");
    fail(breaker, 5);
    const metrics = createMetrics({} as Db, { circuits: circuitStates });
    const scrape = () => metrics.registry.getSingleMetricAsString("phasegate_llm_circuit_state");
    expect(await scrape()).toContain('phasegate_llm_circuit_state{endpoint="llm.example.test"} 2');
    breaker.succeeded();
    expect(await scrape()).toContain('phasegate_llm_circuit_state{endpoint="llm.example.test"} 0');
  });

  it("has no samples without endpoints (or when the app gives it no reader)", async () => {
    const text = await createMetrics({} as Db).registry.getSingleMetricAsString(
      "phasegate_llm_circuit_state",
    );
    expect(text).not.toContain("endpoint=");
  });
});

describe("the runs list's Model endpoints line", () => {
  let app: AppHarness | undefined;
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  afterEach(async () => {
    await server?.close();
    await app?.stop();
    app = server = undefined;
  });

  async function runsPage(endpoints?: typeof circuitStates): Promise<string> {
    app = await startApp();
    const handler = dashboardHandler({
      token: "dashboard-token-0123456789abcdef",
      store: app.services.store,
      db: app.services.store.database,
      github: app.services.github,
      changes: new RunChanges(),
      log: app.probot.log,
      webBase: "https://github.com",
      ...(endpoints && { endpoints }),
    });
    server = await serve(handler);
    const res = await fetch(`${server.url}/agents`, {
      headers: { authorization: "Bearer dashboard-token-0123456789abcdef", accept: "text/html" },
    });
    expect(res.status).toBe(200);
    return res.text();
  }

  it("shows each endpoint's host and circuit state, escaped, never a path or key", async () => {
    fail(breakerFor(SECRET_URL), 5);
    breakerFor("http://127.0.0.1:4000/v1");
    const html = await runsPage(() => [
      ...circuitStates(),
      { endpoint: "<b>half</b>.example.test", state: "half-open" },
    ]);
    const line = /<p id="model-endpoints"[^>]*>(.*?)<\/p>/.exec(html)?.[1] ?? "";
    expect(line).toBe(
      [
        "Model endpoints: ",
        '<span class="endpoint" data-state="closed">127.0.0.1:4000 <span class="badge s-succeeded">circuit closed</span></span>',
        '<span class="endpoint" data-state="open">llm.example.test:8443 <span class="badge s-failed">circuit open</span></span>',
        '<span class="endpoint" data-state="half-open">&lt;b&gt;half&lt;/b&gt;.example.test <span class="badge s-waiting">circuit half-open</span></span>',
      ].join(""),
    );
    expect(html).not.toMatch(/sk-live|api-key|\/openai\/v1/);
  });

  it("is left out when no endpoint was called (or the app gives no reader)", async () => {
    expect(await runsPage(circuitStates)).not.toContain("model-endpoints");
  });
});
