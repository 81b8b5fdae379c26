import { benchEngine, engineLine } from "./engine-bench.js";
import { benchParse, parseLine } from "./parse-bench.js";

// Figures only; no assertions. Targets (issue #2): ratio ≤ 1.02 at 10 steps and ≤ 1.05 at 1,000;
// edge delay p50 ≤ 2 ms and p99 ≤ 10 ms.
const LATENCY_MS = 50;

console.log("phasegate bench — engine (SQLite persistence on, simulated agent steps)");
console.log(
  "  ratio = wall time ÷ ideal; 'measured critical path' sums the steps' real durations (their timers",
);
console.log(
  "  fire late by ~1 ms), so its ratio is the engine's own overhead. One warm-up run is discarded.",
);
await benchEngine(2, 5, LATENCY_MS);
for (const [width, depth] of [
  [2, 5],
  [10, 10],
  [20, 50],
] as const) {
  console.log(`  ${engineLine(await benchEngine(width, depth, LATENCY_MS))}`);
}

console.log("phasegate bench — workflow file");
console.log(`  ${parseLine(200, benchParse(200))}`);
