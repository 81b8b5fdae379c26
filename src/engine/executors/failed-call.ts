import { errorMessage } from "../error-message.js";
import type { CallRecord } from "../ports.js";

/** Calls a failed provider call made before failing (a reply that failed validation twice still cost tokens). */
export function callsOf(err: unknown): readonly CallRecord[] {
  const calls = (err as { calls?: unknown } | null)?.calls;
  return Array.isArray(calls) ? (calls as CallRecord[]) : [];
}

/** A provider error as a step failure: its message, and whether the engine should try the step again. */
export function failure(err: unknown): { message: string; retryable: boolean } {
  const retryable = (err as { retryable?: unknown } | null)?.retryable;
  return { message: errorMessage(err), retryable: typeof retryable === "boolean" ? retryable : true };
}
