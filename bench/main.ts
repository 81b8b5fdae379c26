import { benchEngine, engineLine } from "./engine-bench.js";
import { benchParse, parseLine } from "./parse-bench.js";

// Figures only; no assertions. Targets (issue #2): ratio ≤ 1.02 at 10 steps and ≤ 1.05 at 1,000;
// edge delay p50 ≤ 2 ms and p99 ≤ 10 ms.
const LATENCY_MS = 50;

console.log("phasegate bench — engine (SQLite persistence on, simulated agent steps)");
for (const [width, depth] of [
  [2, 5],
  [10, 10],
  [20, 50],
] as const) {
  console.log(`  ${engineLine(await benchEngine(width, depth, LATENCY_MS))}`);
}

console.log("phasegate bench — workflow file");
console.log(`  ${parseLine(200, benchParse(200))}`);
