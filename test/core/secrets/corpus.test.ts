import { expect, test } from "vitest";
import { scanSecrets } from "../../../src/core/secrets/secret-scan.js";
import { addedFile } from "../../fixtures/file-diff.js";
import { type CorpusSample, corpusLines } from "./corpus/corpus-sample.js";
import { NEAR_MISSES } from "./corpus/near-misses.js";
import { TRUE_POSITIVES } from "./corpus/true-positives.js";

/** Whether the scan flags a corpus snippet, as an added file. */
const flagged = (sample: CorpusSample, seed: number) =>
  scanSecrets([addedFile("corpus.txt", corpusLines(sample, seed))]).length > 0;

/** `family: found/total` for each family, the worst first. */
function perFamily(samples: readonly CorpusSample[], hits: readonly boolean[]): string[] {
  const families = new Map<string, { hit: number; total: number }>();
  samples.forEach((s, i) => {
    const f = families.get(s.family) ?? { hit: 0, total: 0 };
    families.set(s.family, { hit: f.hit + (hits[i] ? 1 : 0), total: f.total + 1 });
  });
  return [...families]
    .sort(([, a], [, b]) => a.hit / a.total - b.hit / b.total)
    .map(([family, { hit, total }]) => `${family}: ${hit}/${total}`);
}

const percent = (n: number, of: number) => `${((n / of) * 100).toFixed(1)} % (${n}/${of})`;

test("held-out corpus: recall ≥ 95 % over ≥ 30 families, false positives ≤ 1 %", () => {
  const positives = TRUE_POSITIVES.filter((s) => s.policy === undefined);
  const nearMisses = NEAR_MISSES.filter((s) => s.policy === undefined);
  expect(positives.length).toBeGreaterThanOrEqual(250);
  expect(nearMisses.length).toBeGreaterThanOrEqual(250);
  expect(new Set(positives.map((s) => s.family)).size).toBeGreaterThanOrEqual(30);

  const found = TRUE_POSITIVES.map((s, i) => flagged(s, i + 1));
  const wrong = NEAR_MISSES.map((s, i) => flagged(s, i + 1));
  const counted = (samples: readonly CorpusSample[], hits: readonly boolean[]) =>
    samples.filter((s, i) => s.policy === undefined && hits[i]).length;
  const recall = counted(TRUE_POSITIVES, found) / positives.length;
  const fpRate = counted(NEAR_MISSES, wrong) / nearMisses.length;
  const list = (samples: readonly CorpusSample[], pick: (i: number) => boolean) =>
    samples.flatMap((s, i) => (pick(i) ? [`${s.family}: ${s.text}${s.policy ? ` [${s.policy}]` : ""}`] : []));
  const report = [
    `recall ${percent(counted(TRUE_POSITIVES, found), positives.length)}, ` +
      `false positives ${percent(counted(NEAR_MISSES, wrong), nearMisses.length)}`,
    `whole corpus, policy labels ignored: recall ${percent(found.filter(Boolean).length, found.length)}, ` +
      `false positives ${percent(wrong.filter(Boolean).length, wrong.length)}`,
    ...perFamily(
      positives,
      found.filter((_, i) => TRUE_POSITIVES[i]?.policy === undefined),
    ),
    "missed:",
    ...list(TRUE_POSITIVES, (i) => !found[i]),
    "false positives:",
    ...list(NEAR_MISSES, (i) => wrong[i] === true),
  ].join("\n");
  if (process.env.SECRET_CORPUS_REPORT) console.log(report);
  expect(recall, report).toBeGreaterThanOrEqual(0.95);
  expect(fpRate, report).toBeLessThanOrEqual(0.01);
});
