import { mulberry32 } from "../../helpers/mulberry32.js";

const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";
const BASE62 = UPPER + LOWER + DIGITS;

/** The alphabets of the slots in rule samples (`{hex:32}` …), documented on `SecretRule.tps`. */
const ALPHABETS: Record<string, string> = {
  hex: "0123456789abcdef",
  HEX: "0123456789ABCDEF",
  b62: BASE62,
  b64: `${BASE62}+/`,
  url: `${BASE62}-_`,
  b32: `${UPPER}234567`,
  b32l: `${LOWER}234567`,
  dig: DIGITS,
  low: LOWER + DIGITS,
  up: UPPER + DIGITS,
  alpha: UPPER + LOWER,
  bech: "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",
  // The corpus fills gitleaks' generated samples with gitleaks' alphabets: database passwords, "extended" tokens.
  pw: `${BASE62}:;<@=},!$?^`,
  ext: `${BASE62}=_-`,
};

const SLOT = /\{(hex|HEX|b62|b64|url|b32l|b32|dig|low|up|alpha|bech|auth|pw|ext):(\d+)\}/g;

/**
 * A sample with its slots filled from a generator seeded by `seed`, so every run scans the same text while
 * the repository holds no literal that looks like a live credential.
 */
export function fillSlots(sample: string, seed: number): string {
  const next = mulberry32(seed);
  const rand = (alphabet: string, n: number) =>
    Array.from({ length: n }, () => alphabet[Math.floor(next() * alphabet.length)]).join("");
  return sample.replace(SLOT, (_, kind: string, n: string) =>
    kind === "auth" ? btoa(`acme:${rand(BASE62, Number(n))}`) : rand(ALPHABETS[kind] ?? BASE62, Number(n)),
  );
}
