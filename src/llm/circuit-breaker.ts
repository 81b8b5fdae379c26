/**
 * A model endpoint's circuit: `closed` lets calls through, `open` fails them at once, `half-open` has one probe
 * call out whose answer decides which of the two comes next.
 */
export type CircuitState = "closed" | "open" | "half-open";

/** What a call gets while its endpoint's circuit is open, or half-open with the probe already out. */
export const CIRCUIT_OPEN_MESSAGE = "model endpoint unavailable: circuit open";

/**
 * What `admit` decided: `call` (closed: go ahead), `probe` (the one call that tests an endpoint after its wait;
 * report its result or `release` it) or `refused` (fail fast).
 */
export type Admission = "call" | "probe" | "refused";

export interface CircuitOptions {
  /** Consecutive failures that open the circuit; default 5. */
  readonly failureThreshold?: number;
  /** How long the circuit first stays open; each failed probe doubles it. Default 30 s. */
  readonly openMs?: number;
  /** The longest it stays open; default 5 minutes. */
  readonly maxOpenMs?: number;
  readonly now?: () => number;
}

/**
 * The circuit breaker of one model endpoint (learning-and-governance.md, section 3): after `failureThreshold`
 * consecutive failures it opens for `openMs`; then the next call is let through alone as a probe, and every
 * other call fails fast while it runs. A probe that fails opens it again for twice as long (capped at
 * `maxOpenMs`); any success closes it and starts the count again. No I/O, no timers: time is read from `now`.
 *
 * @example
 * const breaker = new CircuitBreaker({ now: () => clock });
 * const admission = breaker.admit(); // "call", "probe" or "refused"
 * if (admission !== "refused") ok ? breaker.succeeded() : breaker.failed(admission);
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #baseOpenMs: number;
  readonly #maxOpenMs: number;
  readonly #now: () => number;
  readonly #onOpen = new Set<() => void>();
  #state: CircuitState = "closed";
  #failures = 0;
  /** How long the current (or next) opening lasts. */
  #openMs: number;
  #openUntil = 0;
  #probing = false;

  constructor(options: CircuitOptions = {}) {
    this.#threshold = options.failureThreshold ?? 5;
    this.#baseOpenMs = options.openMs ?? 30_000;
    this.#maxOpenMs = options.maxOpenMs ?? 300_000;
    this.#now = options.now ?? Date.now;
    this.#openMs = this.#baseOpenMs;
  }

  /** The state as stored: `open` stays `open` after its wait until a call comes and becomes the probe. */
  get state(): CircuitState {
    return this.#state;
  }

  /** When an open circuit lets a probe through (ms, from `now`); null unless open. */
  get openUntil(): number | null {
    return this.#state === "open" ? this.#openUntil : null;
  }

  /** Whether a call may go out now. A `probe` half-opens the circuit; nothing else goes out until it reports. */
  admit(): Admission {
    if (this.#state === "closed") return "call";
    if (this.#state === "open") {
      if (this.#now() < this.#openUntil) return "refused";
      this.#state = "half-open";
    }
    if (this.#probing) return "refused";
    this.#probing = true;
    return "probe";
  }

  /** The endpoint answered: the circuit closes, whatever it was, and the count of failures starts again. */
  succeeded(): void {
    this.#state = "closed";
    this.#failures = 0;
    this.#openMs = this.#baseOpenMs;
    this.#probing = false;
  }

  /**
   * The endpoint failed (5xx, timeout, no connection). A failed probe reopens the circuit for twice as long; in
   * a closed circuit the failure is counted. Failures of calls let through before the circuit opened change
   * nothing more.
   */
  failed(admission: Exclude<Admission, "refused">): void {
    if (admission === "probe" && this.#state === "half-open") {
      this.#probing = false;
      this.#openMs = Math.min(this.#openMs * 2, this.#maxOpenMs);
      this.#open();
    } else if (this.#state === "closed") {
      this.#failures += 1;
      if (this.#failures >= this.#threshold) this.#open();
    }
  }

  /** A probe ended without a verdict (aborted, rate-limited): the next call may probe instead. */
  release(admission: Exclude<Admission, "refused">): void {
    if (admission === "probe" && this.#state === "half-open") this.#probing = false;
  }

  /** Calls `listener` each time the circuit opens (calls waiting to retry stop waiting); returns its removal. */
  onOpen(listener: () => void): () => void {
    this.#onOpen.add(listener);
    return () => this.#onOpen.delete(listener);
  }

  #open(): void {
    this.#state = "open";
    this.#failures = 0;
    this.#openUntil = this.#now() + this.#openMs;
    for (const listener of [...this.#onOpen]) listener();
  }
}

/** One endpoint's circuit as `/metrics` and the dashboard show it: the host only, never a path, key or query. */
export interface EndpointCircuit {
  readonly endpoint: string;
  readonly state: CircuitState;
}

const breakers = new Map<string, CircuitBreaker>();

/**
 * The process-wide breaker of a model endpoint (an OpenAI-compatible base URL), made on first use: every
 * provider, run and repository calling that endpoint shares it. Keyed by origin and path, without credentials,
 * query or fragment.
 *
 * @example breakerFor("https://api.openai.com/v1").admit() // → "call"
 */
export function breakerFor(baseURL: string): CircuitBreaker {
  const key = endpointKey(baseURL);
  let breaker = breakers.get(key);
  if (!breaker) {
    breaker = new CircuitBreaker();
    breakers.set(key, breaker);
  }
  return breaker;
}

const SEVERITY: Record<CircuitState, number> = { closed: 0, "half-open": 1, open: 2 };

/** Every endpoint called so far and its circuit, by host (the worst state when base URLs share a host). */
export function circuitStates(): EndpointCircuit[] {
  const byHost = new Map<string, CircuitState>();
  for (const [key, breaker] of breakers) {
    const host = endpointHost(key);
    const seen = byHost.get(host);
    if (seen === undefined || SEVERITY[breaker.state] > SEVERITY[seen]) byHost.set(host, breaker.state);
  }
  return [...byHost]
    .map(([endpoint, state]) => ({ endpoint, state }))
    .sort((a, b) => a.endpoint.localeCompare(b.endpoint));
}

/** Forgets every endpoint's breaker: for tests, which share one process's registry within a file. */
export function resetBreakers(): void {
  breakers.clear();
}

/** The host (and port) of a base URL, never its user-info, path or query; "custom endpoint" when unparsable. */
export function endpointHost(baseURL: string): string {
  try {
    return new URL(baseURL).host || "custom endpoint";
  } catch {
    return "custom endpoint";
  }
}

function endpointKey(baseURL: string): string {
  const trimmed = baseURL.trim();
  try {
    const url = new URL(trimmed);
    return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
  } catch {
    return trimmed;
  }
}
