import type { SecretRule } from "../secret-rule.js";
import { jwt, keyBody } from "./confirm.js";
import { END } from "./pattern-parts.js";

const BEGIN = "-----BEGIN";

/** Private keys (PEM, OpenSSH, PGP, PuTTY, age) and JSON Web Tokens. */
export const PRIVATE_KEY_RULES: readonly SecretRule[] = [
  {
    id: "gcp-service-account",
    title: "GCP service account key",
    description: "the private key of a Google Cloud service account (its JSON key file)",
    severity: "blocker",
    keywords: ["private_key"],
    pattern: `\\\\?"private_key\\\\?"\\s*:\\s*\\\\?"${BEGIN} (?:RSA )?PRIVATE KEY-----`,
    minRandomness: 0.7,
    confirm: keyBody,
    tps: [
      `  "private_key": "${BEGIN} PRIVATE KEY-----\\n{b64:64}\\n{b64:64}\\n-----END PRIVATE KEY-----\\n",`,
      `{\\"type\\":\\"service_account\\",\\"private_key\\":\\"${BEGIN} PRIVATE KEY-----\\n{b64:64}\\n{b64:40}\\n-----END PRIVATE KEY-----\\n\\"}`,
    ],
    fps: [
      `  "private_key": "${BEGIN} PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----\\n",`,
      '  "private_key_id": "{hex:40}",',
    ],
  },
  {
    id: "private-key",
    title: "Private key",
    description: "a PEM, OpenSSH or PGP private key",
    severity: "blocker",
    keywords: ["private key"],
    pattern: `${BEGIN} (?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP |SSH2 ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----`,
    minRandomness: 0.7,
    confirm: keyBody,
    tps: [
      `${BEGIN} RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA{b64:48}\n{b64:64}\n{b64:64}\n-----END RSA PRIVATE KEY-----`,
      `${BEGIN} OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n{b64:70}\n{b64:70}\n-----END OPENSSH PRIVATE KEY-----`,
      `${BEGIN} EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,{HEX:32}\n\n{b64:64}\n{b64:64}\n-----END EC PRIVATE KEY-----`,
      `${BEGIN} PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\nlQOYBF{b64:58}\n{b64:64}\n-----END PGP PRIVATE KEY BLOCK-----`,
      `SSH_KEY="${BEGIN} PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC{b64:32}\\n{b64:64}\\n-----END PRIVATE KEY-----"`,
    ],
    fps: [
      `${BEGIN} RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----`,
      `${BEGIN} PRIVATE KEY-----\n<your private key here>\n-----END PRIVATE KEY-----`,
      `${BEGIN} PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A{b64:32}\n{b64:64}\n-----END PUBLIC KEY-----`,
      `${BEGIN} CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkq{b64:32}\n-----END CERTIFICATE-----`,
      'const PEM_HEADER = "-----BEGIN PRIVATE KEY-----";',
    ],
  },
  {
    id: "putty-private-key",
    title: "Private key",
    description: "a PuTTY private key",
    severity: "blocker",
    keywords: ["private-lines:"],
    pattern: "^Private-Lines: \\d{1,3}\\s*$",
    minRandomness: 0.7,
    confirm: keyBody,
    tps: [
      "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPrivate-Lines: 1\n{b64:44}\nPrivate-MAC: {hex:64}",
    ],
    fps: ["Public-Lines: 2\nAAAAC3NzaC1lZDI1NTE5AAAAI{b64:44}", "Private-Lines: 1\n..."],
  },
  {
    id: "age-secret-key",
    title: "Private key",
    description: "an age encryption secret key",
    severity: "blocker",
    keywords: ["age-secret-key-1"],
    pattern: `\\b(?P<secret>AGE-SECRET-KEY-1(?P<body>[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}))${END}`,
    tps: ["AGE-SECRET-KEY-1{bech:58}"],
    fps: [
      "# public key: age1{low:58}",
      "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ",
    ],
  },
  {
    id: "jwt",
    title: "JSON Web Token",
    description: "a JSON Web Token (it may grant access until it expires)",
    severity: "high",
    keywords: ["eyj"],
    pattern: `\\b(?P<secret>eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{16,})${END}`,
    confirm: jwt,
    tps: [
      'headers.cookie = "session=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTQyIiwiaWF0IjoxNzUwMDAwMDAwfQ.{url:43}";',
      "Authorization: Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJhY21lIiwic3ViIjoic3ZjIn0.{url:86}",
    ],
    fps: [
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.{url:43}",
      "SUPABASE_ANON_KEY=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJvbGUiOiJhbm9uIn0.{url:43}",
      "eyJub3QiOiJhIGp3dCJ9.eyJmb28iOiJiYXIifQ.{url:43}",
    ],
  },
];
