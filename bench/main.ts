import { benchDashboard } from "./dashboard-bench.js";
import { benchEngine, engineLine } from "./engine-bench.js";
import { printGitHubAppBench } from "./github-app-bench.js";
import { printLearningBench } from "./learning-bench.js";
import { benchParse, parseLine } from "./parse-bench.js";
import { benchReview, reviewLines } from "./review-bench.js";
import { benchReviewFirst, reviewFirstLines } from "./review-first-bench.js";
import { benchSecretScan, secretScanLine } from "./secret-scan-bench.js";

// Sections to run: `npm run bench -- review-first github-app` runs those two; no argument runs them all.
const SECTIONS = [
  "engine",
  "parse",
  "review",
  "github-app",
  "review-first",
  "dashboard",
  "secret-scan",
  "learning",
  "outage",
  "eval",
] as const;
const asked = process.argv.slice(2);
const unknown = asked.filter((a) => !(SECTIONS as readonly string[]).includes(a));
if (unknown.length > 0) {
  console.error(`unknown bench section(s): ${unknown.join(", ")}; sections: ${SECTIONS.join(", ")}`);
  process.exit(2);
}
const run = (section: (typeof SECTIONS)[number]) => asked.length === 0 || asked.includes(section);

// Figures only; no assertions. Targets (issue #2): ratio ≤ 1.02 at 10 steps and ≤ 1.05 at 1,000;
// edge delay p50 ≤ 2 ms and p99 ≤ 10 ms.
// 50 ms is far below any real model call (seconds), so the engine's fixed cost per edge (~1 ms here) weighs
// heavily; 250 ms is still fast for an LLM step.
const LATENCIES_MS = [50, 250] as const;

if (run("engine")) {
  console.log("phasegate bench — engine (SQLite persistence on, simulated agent steps)");
  console.log(
    "  ratio = wall time ÷ ideal; 'measured critical path' sums the steps' real durations (their timers",
  );
  console.log(
    "  fire late by ~1 ms), so its ratio is the engine's own overhead. One warm-up run is discarded.",
  );
  await benchEngine(2, 5, 50);
  for (const latency of LATENCIES_MS) {
    for (const [width, depth] of [
      [2, 5],
      [10, 10],
      [20, 50],
    ] as const) {
      console.log(`  ${engineLine(await benchEngine(width, depth, latency))}`);
    }
  }
}

if (run("parse")) {
  console.log("phasegate bench — workflow file");
  console.log(`  ${parseLine(200, benchParse(200))}`);
}

// Targets (issue #4): re-review after a 1-file push ≤ 15% of a full review's tokens; unchanged re-run 0 tokens.
if (run("review")) {
  console.log("phasegate bench — model review tokens");
  for (const line of reviewLines(await benchReview())) console.log(`  ${line}`);
}
if (run("review")) await (await import("./verify-bench.js")).printVerifyBench(); // tokens and time verify: true adds
if (run("review")) await (await import("./shadow-bench.js")).printShadowBench(); // tokens and time a shadow adds

// Targets (issue #3): ≤ 15 GitHub requests (≤ 8 writes) per standard run; webhook acknowledgement p99 ≤ 50 ms.
if (run("github-app")) await printGitHubAppBench();

// Target (issue 11): the PR review on GitHub ≤ 1.5 s after the webhook (30 files, 500 ms model, 1 write/s).
if (run("review-first")) {
  console.log("phasegate bench — webhook to PR review");
  for (const line of reviewFirstLines(await benchReviewFirst())) console.log(`  ${line}`);
}

// Target (issue 5): p99 ≤ 100 ms server time for the runs list and a run page with 10,000 runs stored.
if (run("dashboard")) {
  console.log("phasegate bench — dashboard");
  for (const line of await benchDashboard()) console.log(`  ${line}`);
}

// Target (issue 16): lines of a diff the secret scan reads per second, on 100,000 added lines.
if (run("secret-scan")) {
  console.log("phasegate bench — secret scan");
  console.log(`  ${secretScanLine(benchSecretScan())}`);
}

// Routing and noise control (spec section 2) on simulated PRs and judgements: how soon, and at what cost.
if (run("learning")) printLearningBench();
if (run("outage")) await (await import("./outage-bench.js")).printOutageBench(); // issue 14: ≤ 8 model requests
if (run("eval")) await (await import("./eval-bench.js")).printEvalBench(); // issue 15: the eval's own cost per case
