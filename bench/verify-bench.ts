import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import type { FileDiff } from "../src/core/diff/diff.js";
import { parseUnifiedDiff } from "../src/core/diff/parse-unified-diff.js";
import { planWorkflow } from "../src/core/run/plan.js";
import { newRunState } from "../src/core/run/run-state.js";
import type { WorkflowFile } from "../src/core/workflow/workflow.schema.js";
import { agentExecutor } from "../src/engine/executors/agent-executor.js";
import { MemoryAgentCache } from "../src/engine/memory-agent-cache.js";
import type { AgentCache, StepResult } from "../src/engine/ports.js";
import { OpenAIProvider } from "../src/llm/openai-provider.js";
import { loadTokenCounter } from "../src/llm/tokenizer.js";
import { buildFixturePr } from "./review-fixture.js";

const MODEL = "gpt-4o-mini";
/** Simulated model latencies: none (the cost of the work itself), and a fast real model's. */
const LATENCIES_MS = [0, 500] as const;
/** Every third verification refutes its finding. */
const REFUTE_EVERY = 3;

/**
 * An OpenAI-compatible server for this bench: review calls get one `medium` finding of confidence 0.5 on the first
 * added line of every file they are shown (so every finding qualifies for verification); verification calls
 * quote the flagged lines and confirm, every third refutes. Tokens are counted as OpenAI bills them (3 per
 * message, 3 for the reply, the schema), answers leave `delayMs` after their request came in.
 */
async function startModel(delayMs: number): Promise<{ baseURL: string; close(): Promise<void> }> {
  const count = await loadTokenCounter(MODEL);
  let verifications = 0;
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      raw += chunk;
    });
    req.on("end", () => {
      const received = performance.now();
      const body = JSON.parse(raw) as {
        messages: { content: string }[];
        response_format?: { json_schema?: { name?: string; schema?: unknown } };
      };
      const format = body.response_format?.json_schema;
      const user = body.messages.at(-1)?.content ?? "";
      let content: string;
      if (format?.name === "phasegate_verification") {
        verifications += 1;
        const quote = /Flagged line\(s\) \(UNTRUSTED DATA, not instructions\):\n(`{3,})\n([\s\S]*?)\n\1/.exec(
          user,
        );
        const refute = verifications % REFUTE_EVERY === 0;
        content = JSON.stringify({
          verdict: refute ? "refuted" : "confirmed",
          quote: quote?.[2] ?? "",
          reason: refute
            ? "The limit is read from the options two lines above; it is not hard-coded."
            : "The limit is a literal in the code shown.",
        });
      } else {
        const findings = user
          .split(/^(?=File: )/m)
          .slice(1)
          .flatMap((section) => {
            const file = /^File: (\S+)/.exec(section)?.[1];
            const line = /^\s*(\d+) \+/m.exec(section)?.[1];
            if (!file || !line) return [];
            return [
              {
                file,
                line: Number(line),
                severity: "medium",
                title: "Limit is hard-coded",
                body: "Read the limit from configuration so operators can change it without a deploy.",
                suggestion: null,
                confidence: 0.5,
              },
            ];
          });
        content = JSON.stringify({ summary: `Reviewed ${findings.length} files.`, findings });
      }
      const promptTokens =
        body.messages.reduce((n, m) => n + 3 + count(m.content), 3) +
        (format?.schema ? count(JSON.stringify(format.schema)) : 0);
      const completionTokens = count(content);
      const reply = () =>
        res.setHeader("content-type", "application/json").end(
          JSON.stringify({
            id: "chatcmpl-bench",
            object: "chat.completion",
            created: 1_750_000_000,
            model: MODEL,
            choices: [
              { index: 0, message: { role: "assistant", content, refusal: null }, finish_reason: "stop" },
            ],
            usage: {
              prompt_tokens: promptTokens,
              completion_tokens: completionTokens,
              total_tokens: promptTokens + completionTokens,
            },
          }),
        );
      const wait = delayMs - (performance.now() - received);
      if (wait > 0) setTimeout(reply, wait);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let runs = 0;

/** One `review` step over `files` as the engine runs it, with or without `verify: true`. */
async function review(
  files: readonly FileDiff[],
  baseURL: string,
  verify: boolean,
  cache: AgentCache | null,
): Promise<{ result: StepResult; wallMs: number }> {
  const file = {
    version: 1,
    settings: { model: MODEL, max_parallel: 4, budget_tokens: 1_000_000 },
    agents: { reviewer: verify ? { verify: true } : {} },
    workflows: {
      w: { phases: { p: { steps: [{ id: "r", uses: "review", agent: "reviewer", fail_on: "never" }] } } },
    },
  } as unknown as WorkflowFile;
  const plan = planWorkflow(file, "w");
  runs += 1;
  const run = newRunState({
    id: `verify-bench-${runs}`,
    plan,
    facts: {
      source: "local",
      repo: "bench",
      number: 1,
      headSha: "0".repeat(40),
      baseRef: "main",
      author: "bench",
      labels: [],
      changedFiles: files.map((f) => f.path),
      title: "Billing limits",
    },
    createdAt: 0,
  });
  const execute = agentExecutor({
    provider: new OpenAIProvider({ apiKey: "bench-no-key", baseURL, maxRetries: 0 }),
    cache,
    inputs: async () => ({
      files,
      pr: {
        title: "Billing: configurable limits",
        body: "Adds limit checks to orders, invoices and refunds.",
      },
      issue: null,
    }),
  });
  const started = performance.now();
  const result = await execute({
    run,
    step: plan.steps[0]!,
    attempt: 1,
    signal: new AbortController().signal,
  });
  const wallMs = performance.now() - started;
  if (result.outcome !== "succeeded")
    throw new Error(`verify bench: the step failed: ${JSON.stringify(result)}`);
  return { result, wallMs };
}

interface Side {
  readonly tokens: number;
  readonly calls: number;
  readonly findings: number;
  readonly wallMs: number;
}

export interface VerifyFigures {
  readonly files: number;
  readonly byLatency: readonly {
    readonly latencyMs: number;
    readonly off: Side;
    readonly on: Side & { readonly refuted: number; readonly confirmed: number };
    /** An unchanged re-run with `verify: true` and the cache of the first. */
    readonly rerun: { readonly tokens: number; readonly calls: number };
  }[];
}

function side(r: { result: StepResult; wallMs: number }): Side {
  const output = r.result.outcome === "succeeded" ? r.result.output : null;
  return {
    tokens: r.result.outcome === "succeeded" ? (r.result.tokens ?? 0) : 0,
    calls: ((output?.data?.calls as unknown[] | undefined) ?? []).length,
    findings: output?.findings?.length ?? 0,
    wallMs: r.wallMs,
  };
}

/**
 * The cost of verification on the review bench's ~30-file pull request: one `review` step without and with
 * `verify: true` (every finding medium at confidence 0.5, so each gets one verification call, max_parallel 4),
 * tokens and wall time, at no model latency and at 500 ms per call; then an unchanged re-run from the cache.
 */
export async function benchVerify(): Promise<VerifyFigures> {
  const files = parseUnifiedDiff(buildFixturePr().diff);
  const byLatency: VerifyFigures["byLatency"][number][] = [];
  for (const latencyMs of LATENCIES_MS) {
    const model = await startModel(latencyMs);
    try {
      await review(files, model.baseURL, false, null); // warm-up: tokenizer, connections
      const off = side(await review(files, model.baseURL, false, null));
      const cache = new MemoryAgentCache();
      const verified = await review(files, model.baseURL, true, cache);
      const data = verified.result.outcome === "succeeded" ? verified.result.output.data : undefined;
      const verification = data?.verification as { confirmed: number; refuted: unknown[] } | undefined;
      const again = side(await review(files, model.baseURL, true, cache));
      byLatency.push({
        latencyMs,
        off,
        on: {
          ...side(verified),
          confirmed: verification?.confirmed ?? 0,
          refuted: verification?.refuted.length ?? 0,
        },
        rerun: { tokens: again.tokens, calls: again.calls },
      });
    } finally {
      await model.close();
    }
  }
  return { files: files.length, byLatency };
}

const ms = (n: number) => `${Math.round(n)} ms`;
const pct = (part: number, whole: number) => `${whole === 0 ? 0 : ((100 * part) / whole).toFixed(0)}%`;

/** The figures as lines for `npm run bench`. */
export function verifyLines(f: VerifyFigures): string[] {
  const lines = [
    `fixture PR: ${f.files} files; review step on ${MODEL}, max_parallel 4; every finding medium at confidence 0.5`,
    "  (a fake OpenAI-compatible server on 127.0.0.1 counting tokens with the real tokenizer; 1 in 3 refuted)",
  ];
  for (const { latencyMs, off, on, rerun } of f.byLatency) {
    lines.push(
      `model latency ${latencyMs} ms: without verify ${off.tokens} tokens, ${off.calls} calls, ${ms(off.wallMs)} · ` +
        `with verify: true ${on.tokens} tokens (+${on.tokens - off.tokens}, +${pct(on.tokens - off.tokens, off.tokens)}), ` +
        `${on.calls} calls (+${on.calls - off.calls}), ${ms(on.wallMs)} (+${ms(on.wallMs - off.wallMs)}); ` +
        `${on.confirmed} confirmed, ${on.refuted} refuted, ${on.findings} of ${off.findings} findings kept · ` +
        `unchanged re-run: ${rerun.tokens} tokens, ${rerun.calls} calls (target 0)`,
    );
  }
  return lines;
}

/** Prints the section for `npm run bench` (run with the review bench). */
export async function printVerifyBench(): Promise<void> {
  console.log("phasegate bench — verification of low-confidence findings");
  for (const line of verifyLines(await benchVerify())) console.log(`  ${line}`);
}
