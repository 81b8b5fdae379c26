import { afterEach, describe, expect, it } from "vitest";
import {
  breakerFor,
  CIRCUIT_OPEN_MESSAGE,
  CircuitBreaker,
  circuitStates,
  endpointHost,
  resetBreakers,
} from "../../src/llm/circuit-breaker.js";

/** A breaker on a clock the test moves. */
function fake() {
  const clock = { t: 1_000_000 };
  const breaker = new CircuitBreaker({ now: () => clock.t });
  return { clock, breaker };
}

/** `n` calls admitted and failed. */
function fail(breaker: CircuitBreaker, n: number): void {
  for (let i = 0; i < n; i++) {
    const admission = breaker.admit();
    if (admission === "refused") throw new Error(`call ${i + 1} was refused`);
    breaker.failed(admission);
  }
}

/** Opens `breaker`, then lets its probes fail `probes` times; returns how long each opening lasted. */
function openings(clock: { t: number }, breaker: CircuitBreaker, probes: number): number[] {
  fail(breaker, 5);
  const waits: number[] = [];
  for (let i = 0; i <= probes; i++) {
    const until = breaker.openUntil as number;
    waits.push(until - clock.t);
    clock.t = until - 1;
    expect(breaker.admit()).toBe("refused");
    clock.t = until;
    if (i === probes) break;
    expect(breaker.admit()).toBe("probe");
    breaker.failed("probe");
    expect(breaker.state).toBe("open");
  }
  return waits;
}

afterEach(() => resetBreakers());

describe("CircuitBreaker", () => {
  it("opens after exactly 5 consecutive failures, not 4", () => {
    const { breaker } = fake();
    fail(breaker, 4);
    expect(breaker.state).toBe("closed");
    expect(breaker.admit()).toBe("call");
    breaker.failed("call");
    expect(breaker.state).toBe("open");
    expect(breaker.admit()).toBe("refused");
  });

  it("a success in between starts the count again", () => {
    const { breaker } = fake();
    fail(breaker, 4);
    breaker.admit();
    breaker.succeeded();
    fail(breaker, 4);
    expect(breaker.state).toBe("closed");
    fail(breaker, 1);
    expect(breaker.state).toBe("open");
  });

  it("fails fast for the whole 30 s it is open; the message is exact", () => {
    const { clock, breaker } = fake();
    fail(breaker, 5);
    const opened = clock.t;
    expect(breaker.openUntil).toBe(opened + 30_000);
    for (const after of [0, 1, 15_000, 29_999]) {
      clock.t = opened + after;
      expect(breaker.admit()).toBe("refused");
      expect(breaker.state).toBe("open");
    }
    expect(CIRCUIT_OPEN_MESSAGE).toBe("model endpoint unavailable: circuit open");
  });

  it("after 30 s lets exactly one probe through (half-open); others are refused while it runs", () => {
    const { clock, breaker } = fake();
    fail(breaker, 5);
    clock.t += 30_000;
    expect(breaker.state).toBe("open");
    expect(breaker.admit()).toBe("probe");
    expect(breaker.state).toBe("half-open");
    expect(breaker.admit()).toBe("refused");
    expect(breaker.admit()).toBe("refused");
    clock.t += 60_000;
    expect(breaker.admit()).toBe("refused");
  });

  it("a probe that succeeds closes it, and the count starts from zero", () => {
    const { clock, breaker } = fake();
    fail(breaker, 5);
    clock.t += 30_000;
    expect(breaker.admit()).toBe("probe");
    breaker.succeeded();
    expect(breaker.state).toBe("closed");
    expect(breaker.openUntil).toBeNull();
    expect(breaker.admit()).toBe("call");
    fail(breaker, 4);
    expect(breaker.state).toBe("closed");
  });

  it("a failed probe reopens it for 60 s, then 120 s, 240 s, capped at 5 minutes", () => {
    const { clock, breaker } = fake();
    expect(openings(clock, breaker, 6)).toEqual([
      30_000, 60_000, 120_000, 240_000, 300_000, 300_000, 300_000,
    ]);
  });

  it("after a success, the next opening lasts 30 s again", () => {
    const { clock, breaker } = fake();
    openings(clock, breaker, 2);
    expect(breaker.admit()).toBe("probe");
    breaker.succeeded();
    fail(breaker, 5);
    expect(breaker.openUntil).toBe(clock.t + 30_000);
  });

  it("a probe released without a verdict lets the next call probe", () => {
    const { clock, breaker } = fake();
    fail(breaker, 5);
    clock.t += 30_000;
    expect(breaker.admit()).toBe("probe");
    breaker.release("probe");
    expect(breaker.state).toBe("half-open");
    expect(breaker.admit()).toBe("probe");
    expect(breaker.admit()).toBe("refused");
  });

  it("failures of calls let through before it opened neither extend nor count", () => {
    const { clock, breaker } = fake();
    const late = [breaker.admit(), breaker.admit()];
    fail(breaker, 5);
    const until = breaker.openUntil;
    clock.t += 10_000;
    for (const a of late) if (a !== "refused") breaker.failed(a);
    expect(breaker.openUntil).toBe(until);
    clock.t += 20_000;
    expect(breaker.admit()).toBe("probe");
    // A call admitted while closed fails now: the probe is still the one that decides.
    breaker.failed("call");
    expect(breaker.state).toBe("half-open");
  });

  it("tells listeners each time it opens, and stops when asked", () => {
    const { clock, breaker } = fake();
    let opened = 0;
    const stop = breaker.onOpen(() => {
      opened++;
    });
    fail(breaker, 4);
    expect(opened).toBe(0);
    fail(breaker, 1);
    expect(opened).toBe(1);
    clock.t += 30_000;
    breaker.failed(breaker.admit() as "probe");
    expect(opened).toBe(2);
    stop();
    clock.t += 60_000;
    breaker.failed(breaker.admit() as "probe");
    expect(opened).toBe(2);
  });
});

describe("breakerFor: one breaker per endpoint, process-wide", () => {
  it("isolates endpoints: one open, the other still closed", () => {
    const a = breakerFor("https://llm-a.example.test/v1");
    const b = breakerFor("https://llm-b.example.test/v1");
    fail(a, 5);
    expect(a.state).toBe("open");
    expect(b.state).toBe("closed");
    expect(b.admit()).toBe("call");
    expect(breakerFor("https://llm-a.example.test/v1/")).toBe(a);
    expect(circuitStates()).toEqual([
      { endpoint: "llm-a.example.test", state: "open" },
      { endpoint: "llm-b.example.test", state: "closed" },
    ]);
  });

  it("names endpoints by host only: no credentials, path or query; the worst state per host", () => {
    const secret = breakerFor("https://user:sk-secret@llm.example.test:8443/openai/v1?api-key=sk-other");
    breakerFor("https://llm.example.test:8443/other/v1");
    fail(secret, 5);
    const states = circuitStates();
    expect(states).toEqual([{ endpoint: "llm.example.test:8443", state: "open" }]);
    expect(JSON.stringify(states)).not.toMatch(/sk-|user|openai|api-key/);
    expect(endpointHost("not a url")).toBe("custom endpoint");
  });

  it("resetBreakers forgets every endpoint (tests share one registry per file)", () => {
    fail(breakerFor("https://llm-a.example.test/v1"), 5);
    resetBreakers();
    expect(circuitStates()).toEqual([]);
    expect(breakerFor("https://llm-a.example.test/v1").state).toBe("closed");
  });
});
