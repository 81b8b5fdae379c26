import { createHash } from "node:crypto";

/** A short, stable hash of what was sent to GitHub: equal hashes mean GitHub already shows this. */
export function payloadHash(payload: unknown): string {
  return createHash("sha256").update(JSON.stringify(payload)).digest("hex").slice(0, 32);
}
