import type { Finding } from "./finding.js";
import { type Fingerprint, findingFingerprint } from "./finding-fingerprint.js";

/** A finding's fingerprint: the one its step computed, else the legacy one (findings stored before v2). */
export function fingerprintOf(f: Finding): Fingerprint {
  return f.fingerprint ?? findingFingerprint(f);
}
