import type { FileDiff } from "../../core/diff/diff.js";
import type { Finding } from "../../core/findings/finding.js";
import { codeHash, findingFingerprintOf, flaggedCode } from "../../core/findings/finding-fingerprint.js";
import { heldBackCells, holdsBack } from "../../core/learning/noise-control.js";
import { computeProfiles } from "../../core/learning/profiles.js";
import { type RouteChoice, routeAroundHeld, routeModel } from "../../core/learning/routing.js";
import { dominantTaskType, taskTypeOf } from "../../core/learning/task-type.js";
import { DEFAULT_ERROR_BUDGET, type StepPlan } from "../../core/run/plan.js";
import type { RunState } from "../../core/run/run-state.js";
import type { LearningPort } from "../ports.js";
import type { RunShare } from "../run-resources.js";

/** What one agent step takes from what humans judged: its model, what to hold back, what is cleared. */
export interface StepLearning {
  readonly persona: string;
  readonly model: string;
  /** Set when the persona lists several models. */
  readonly routing: RouteChoice | null;
  /** Cells (`cellKey`) whose findings are held back. */
  readonly held: ReadonlySet<string>;
  /** Fingerprints on this PR a writer judged `wrong`/`dismissed` (and who may clear them). */
  readonly cleared: ReadonlyMap<string, "wrong" | "dismissed">;
}

/**
 * Reads a step's learning before it runs: one query for the persona's judged findings (only when it routes
 * models or noise control is on) and one for the PR's cleared findings, shared by the run's steps that start
 * together. Without a port (the CLI), nothing is learned: the default model, nothing held back, nothing cleared.
 * `files` (the run's diff) is awaited only to route.
 */
export async function stepLearning(
  port: LearningPort | null,
  run: RunState,
  step: StepPlan,
  files: Promise<readonly FileDiff[]>,
  now: number,
  share: Pick<RunShare, "shared">,
): Promise<StepLearning> {
  const persona = step.persona ?? step.id;
  const routes = (step.models?.length ?? 0) > 1;
  const minPrecision = run.plan.minPrecision ?? null;
  const none: StepLearning = {
    persona,
    model: step.model,
    routing: null,
    held: new Set(),
    cleared: new Map(),
  };
  if (!port) {
    return routes
      ? { ...none, routing: routeModel(step.models ?? [], dominantTaskType(await files), [], step.kind) }
      : none;
  }
  const repo = run.facts.repo;
  const number = run.facts.number;
  const learns = routes || minPrecision !== null;
  const window = step.errorBudget?.windowMs ?? DEFAULT_ERROR_BUDGET.windowMs;
  const [judged, cleared, health] = await Promise.all([
    learns ? share.shared(`judged:${persona}`, now, () => port.judged(repo, persona)) : Promise.resolve([]),
    number !== null
      ? share.shared("cleared", now, () => port.cleared(repo, number))
      : Promise.resolve(new Map<string, "wrong" | "dismissed">()),
    learns && port.health
      ? share.shared(
          `health:${window}`,
          now,
          (): Promise<ReadonlyMap<string, number>> =>
            port.health?.(repo, now - window) ?? Promise.resolve(new Map<string, number>()),
        )
      : Promise.resolve(new Map<string, number>() as ReadonlyMap<string, number>),
  ]);
  const profiles =
    judged.length > 0 ? computeProfiles(judged, now, (p, m) => health.get(`${p}\0${m}`) ?? 1) : [];
  const held = heldBackCells(profiles, minPrecision);
  const routing = routes
    ? routeAroundHeld(
        step.models ?? [],
        dominantTaskType(await files),
        profiles,
        { persona, stepKind: step.kind },
        held,
      )
    : null;
  return { persona, model: routing?.model ?? step.model, routing, held, cleared };
}

/**
 * Gives each finding its fingerprint (from the flagged code on the raw diff) and task type, holds back those of
 * low-precision cells (never blockers or the secret scan) and marks those a judgement cleared on this PR.
 */
export function annotateFindings(
  findings: readonly Finding[],
  rawFiles: readonly FileDiff[],
  stepKind: string,
  learning: StepLearning,
): Finding[] {
  const cell = { persona: learning.persona, model: learning.model, stepKind };
  return findings.map((f) => {
    const code = f.fingerprint ? null : flaggedCode(rawFiles, f.file, f.line);
    const fingerprint =
      f.fingerprint ?? findingFingerprintOf({ stepKind, file: f.file, title: f.title, line: f.line, code });
    const hash = f.codeHash ?? codeHash(code);
    const taskType = f.taskType ?? taskTypeOf(f.file);
    const heldBack = learning.held.size > 0 && holdsBack(f, cell, learning.held);
    const cleared = learning.cleared.get(fingerprint);
    return {
      ...f,
      fingerprint,
      ...(hash !== null && hash !== undefined && { codeHash: hash }),
      taskType,
      ...(heldBack && { heldBack: true }),
      ...(cleared && { cleared }),
    };
  });
}
