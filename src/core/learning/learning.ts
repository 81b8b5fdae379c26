/**
 * Findings that learn: task types, fingerprints that survive line moves, judged findings into profiles
 * (expertise, confidence, score, learning curves), routing a persona's step to a model, and holding back findings
 * where a model is mostly wrong. Pure; the database and the app feed it judged findings and act on its answers.
 */

export {
  codeHash,
  type Fingerprint,
  type FingerprintInput,
  type FlaggedCode,
  findingFingerprintOf,
  flaggedCode,
} from "../findings/finding-fingerprint.js";
export { cellKey, HOLD_BACK_CONFIDENCE, heldBackCells, holdsBack } from "./noise-control.js";
export {
  CURVE_DAYS,
  type CurvePoint,
  computeProfiles,
  confidence,
  type DatedVerdict,
  expertise,
  FINDING_STATES,
  type FindingState,
  FULL_CONFIDENCE_AT,
  HALF_LIFE_MS,
  isRight,
  type JudgedFinding,
  type JudgedState,
  learningCurve,
  type Profile,
  type ProfileKey,
  RECENT_MS,
  RECENT_WEIGHT,
  score,
} from "./profiles.js";
export { type RouteChoice, routeAroundHeld, routeModel } from "./routing.js";
export { dominantTaskType, type TaskType, taskTypeOf } from "./task-type.js";
export { titleClass } from "./title-class.js";
