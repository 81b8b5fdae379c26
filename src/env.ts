import { z } from "zod";
import { DEFAULT_DATABASE_URL } from "./db/connect.js";

const csv = z
  .string()
  .optional()
  .transform((s) =>
    (s ?? "")
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean),
  );

/** The server's runtime configuration (github-app.md, "Runtime configuration"); Probot reads its own variables. */
export const Env = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^(sqlite:|postgres(ql)?:\/\/)/, { error: "expected sqlite:<path> or postgres://…" })
    .default(DEFAULT_DATABASE_URL),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.url({ error: "expected a URL such as https://api.openai.com/v1" }).optional(),
  PHASEGATE_MAX_TOKENS_PER_RUN: z.coerce.number().int().positive().default(500_000),
  PHASEGATE_ALLOWED_MODELS: csv,
  DASHBOARD_TOKEN: z.string().min(16, { error: "use at least 16 characters" }).optional(),
  /** The dashboard's public address (`https://phasegate.example.com`): check runs and comments link to runs. */
  DASHBOARD_URL: z
    .url({ error: "expected the dashboard's public address, such as https://phasegate.example.com" })
    .optional(),
});
export type Env = z.infer<typeof Env>;

/** Parses `process.env`; throws one readable error listing every bad variable (never echoing values). */
export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  // Empty strings mean "unset", as in most shells' `VAR= npm start`.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ""));
  const parsed = Env.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
  throw new Error(`invalid environment:\n${lines.join("\n")}`);
}
