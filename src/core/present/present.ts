/**
 * What GitHub shows of a run, rendered purely from its state: the check runs (`agents / <phase>` and the
 * overall `agents`), their annotations, their buttons and the PR review of a phase. The GitHub adapters send
 * these as they are; nothing here does I/O.
 */

export {
  type Fingerprint,
  findingFingerprint,
  fingerprintMarker,
  fingerprintsIn,
} from "../findings/finding-fingerprint.js";
export { providersOf, stepFindings } from "../findings/phase-findings.js";
export { gateApprovers, type WaitingGate, waitingGates } from "../gates/gate-text.js";
export {
  ANNOTATIONS_PER_REQUEST,
  annotationBatches,
  type CheckAnnotation,
  toAnnotation,
} from "./annotations.js";
export { actionCommands, phaseActions } from "./check-actions.js";
export type { CheckConclusion, CheckRunAction, CheckRunView } from "./check-run.js";
export {
  combineOverall,
  gatingScope,
  OVERALL_CHECK_NAME,
  overallCheckRun,
  type SiblingRun,
} from "./overall-check-run.js";
export { type PresentOptions, phaseCheckRun } from "./phase-check-run.js";
export {
  INLINE_COMMENTS_MAX,
  REVIEW_BODY_MAX,
  type ReviewComment,
  type ReviewEvent,
  type ReviewPayload,
  reviewPayload,
} from "./review-payload.js";
export { stepsTable } from "./steps-markdown.js";
