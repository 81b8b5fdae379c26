import { sql } from "kysely";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Db } from "../db/connect.js";
import type { CallRecord } from "../engine/ports.js";

/**
 * The app's Prometheus metrics, on a registry of its own (several apps can share a process, as in tests). Labels
 * are states, step kinds, status codes, installation ids and provider labels only: never repositories, logins
 * or tokens, as `/metrics` is open.
 */
export interface Metrics {
  readonly registry: Registry;
  /** A step finished (succeeded or failed) after `seconds` of work. */
  stepFinished(kind: string, seconds: number): void;
  /** A GitHub API answer: its status code, or `"error"` when no response came. */
  githubResponse(installationId: number, status: number | "error"): void;
  /** A rate-limit (or 5xx) back-off before a GitHub request is tried again. */
  githubWait(installationId: number, waitMs: number): void;
  llmCall(provider: string, call: CallRecord): void;
  /** The engine took back a running step whose lease expired. */
  leaseExpired(): void;
}

/** A model endpoint's circuit breaker: the endpoint's host only (never a path, key or query) and its state. */
export interface CircuitReading {
  readonly endpoint: string;
  readonly state: "closed" | "half-open" | "open";
}

export interface MetricsOptions {
  /** The circuits of the model endpoints, read at scrape time (`circuitStates` of src/llm/circuit-breaker.ts). */
  readonly circuits?: () => readonly CircuitReading[];
}

const CIRCUIT_VALUE = { closed: 0, "half-open": 1, open: 2 } as const;

/** Creates the registry; gauges read `db` (one grouped count each) and the model endpoints' circuits at scrape time. */
export function createMetrics(db: Db, options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  new Gauge({
    name: "phasegate_runs",
    help: "Runs by state",
    labelNames: ["state"],
    registers,
    async collect() {
      const { rows } = await sql<{ status: string; n: number | string }>`
        select status, count(*) as n from runs group by status`.execute(db.kysely);
      this.reset();
      for (const r of rows) this.set({ state: r.status }, Number(r.n));
    },
  });
  new Gauge({
    name: "phasegate_engine_queue_depth",
    help: "Steps ready to be claimed or running now",
    registers,
    async collect() {
      const { rows } = await sql<{ n: number | string }>`
        select count(*) as n from steps where status in ('ready', 'running')`.execute(db.kysely);
      this.set(Number(rows[0]?.n ?? 0));
    },
  });
  new Gauge({
    name: "phasegate_findings",
    help: "Posted findings by state (open, useful, wrong, addressed, dismissed)",
    labelNames: ["state"],
    registers,
    async collect() {
      const { rows } = await sql<{ state: string; n: number | string }>`
        select state, count(*) as n from findings where posted_in <> 'held-back' group by state`.execute(
        db.kysely,
      );
      this.reset();
      for (const state of ["open", "useful", "wrong", "addressed", "dismissed"]) this.set({ state }, 0);
      for (const r of rows) this.set({ state: r.state }, Number(r.n));
    },
  });
  new Gauge({
    name: "phasegate_agents_suspended",
    help: "Persona-and-model pairs suspended by their error budgets now, across repositories",
    registers,
    async collect() {
      const { rows } = await sql<{ n: number | string }>`
        select count(*) as n from agent_budgets where suspended_until > ${Date.now()}`.execute(db.kysely);
      this.set(Number(rows[0]?.n ?? 0));
    },
  });
  new Gauge({
    name: "phasegate_finding_judgements",
    help: "Judgements recorded, by judgement (useful, wrong, addressed, dismissed, reset), source (reply, reaction, thread, push, reset) and whether they changed the finding's state",
    labelNames: ["judgement", "source", "applied"],
    registers,
    async collect() {
      const { rows } = await sql<{ judgement: string; source: string; applied: number; n: number | string }>`
        select judgement, source, applied, count(*) as n from finding_judgements
        group by judgement, source, applied`.execute(db.kysely);
      this.reset();
      for (const r of rows) {
        this.set(
          { judgement: r.judgement, source: r.source, applied: Number(r.applied) === 1 ? "true" : "false" },
          Number(r.n),
        );
      }
    },
  });
  new Gauge({
    name: "phasegate_llm_circuit_state",
    help: "Circuit breaker of each model endpoint (host): 0 closed, 1 half-open, 2 open",
    labelNames: ["endpoint"],
    registers,
    collect() {
      this.reset();
      for (const c of options.circuits?.() ?? []) this.set({ endpoint: c.endpoint }, CIRCUIT_VALUE[c.state]);
    },
  });
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers });
  const histogram = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: number[],
  ) => new Histogram<L>({ name, help, labelNames, buckets, registers });

  const stepDuration = histogram(
    "phasegate_step_duration_seconds",
    "Duration of finished steps (started to finished) by step kind",
    ["kind"],
    [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 86_400],
  );
  const githubRequests = counter(
    "phasegate_github_requests_total",
    "GitHub API responses by status code ('error': no response) and installation",
    ["status", "installation"],
  );
  const waits = counter(
    "phasegate_github_rate_limit_waits_total",
    "Back-offs before retrying a GitHub request, by installation",
    ["installation"],
  );
  const waitSeconds = counter(
    "phasegate_github_rate_limit_wait_seconds_total",
    "Seconds spent backing off GitHub requests",
  );
  const llmCalls = counter("phasegate_llm_calls_total", "Model calls by provider", ["provider"]);
  const llmTokens = counter(
    "phasegate_llm_tokens_total",
    "Model tokens by provider and type (prompt, completion)",
    ["provider", "type"],
  );
  const llmDuration = histogram(
    "phasegate_llm_call_duration_seconds",
    "Model call latency by provider",
    ["provider"],
    [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
  );
  const leaseExpiries = counter(
    "phasegate_engine_lease_expiries_total",
    "Running steps taken back after their lease expired",
  );

  return {
    registry,
    stepFinished: (kind, seconds) => stepDuration.observe({ kind }, seconds),
    githubResponse: (id, status) => githubRequests.inc({ status: String(status), installation: String(id) }),
    githubWait: (id, waitMs) => {
      waits.inc({ installation: String(id) });
      waitSeconds.inc(waitMs / 1000);
    },
    llmCall: (provider, call) => {
      llmCalls.inc({ provider });
      llmTokens.inc({ provider, type: "prompt" }, call.promptTokens);
      llmTokens.inc({ provider, type: "completion" }, call.completionTokens);
      llmDuration.observe({ provider }, call.latencyMs / 1000);
    },
    leaseExpired: () => leaseExpiries.inc(),
  };
}
