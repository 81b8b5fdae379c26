import { zodResponseFormat } from "openai/helpers/zod";
import { z } from "zod";
import { SEVERITIES } from "../core/workflow/workflow.schema.js";

// Refinements (not `.min(1)`) keep the JSON Schema inside what strict structured output accepts.
const text = (what: string) =>
  z
    .string()
    .describe(what)
    .refine((s) => s.trim().length > 0, { error: "must not be empty" });

/** One finding as a model must write it. Every key is required (strict structured output); null means none. */
export const ModelFindingSchema = z.object({
  file: z.string().describe("The file's path exactly as after `File:` in the diff."),
  line: z
    .int()
    .positive()
    .nullable()
    .describe(
      "The new-side line number of an added or context line (left column of the diff); null for the file.",
    ),
  severity: z
    .enum(SEVERITIES)
    .describe(
      "blocker: must not merge; high: a real bug or vulnerability; medium: likely problem; low: minor.",
    ),
  title: text("One short line naming the problem."),
  body: text("What is wrong, why it matters, and how to fix it."),
  suggestion: z.string().nullable().describe("Replacement code for that line, or null."),
  confidence: z
    .number()
    .refine((n) => n >= 0 && n <= 1, { error: "must be between 0 and 1" })
    .describe("How sure you are that this is a real problem in this code, from 0 (a guess) to 1 (certain)."),
});

/** A `review`, `security` or `tests` reply: a summary paragraph and the findings. */
export const ModelReplySchema = z.object({
  summary: text("One paragraph: what the change does and the overall verdict."),
  findings: z.array(ModelFindingSchema),
});

/**
 * What a reply is read with: `ModelReplySchema`, but a finding without `confidence` is accepted (endpoints that
 * do not enforce the schema drop keys; a whole review is not worth failing for one). Its confidence is unknown,
 * and verification treats unknown as low.
 */
const ModelReplyReadSchema = ModelReplySchema.extend({
  findings: z.array(
    ModelFindingSchema.extend({ confidence: ModelFindingSchema.shape.confidence.optional() }),
  ),
});

export type ModelReply = z.infer<typeof ModelReplyReadSchema>;

/** The `response_format` asking the model for a `ModelReply` as JSON (OpenAI structured output, strict). */
export const MODEL_REPLY_FORMAT = zodResponseFormat(ModelReplySchema, "phasegate_findings");

/** A verification call's answer (spec "Confidence and verification"). */
export const VerificationSchema = z.object({
  verdict: z
    .enum(["confirmed", "refuted"])
    .describe("confirmed: the problem is really there in the flagged code; refuted: it is not."),
  quote: z
    .string()
    .describe('The flagged line(s), copied exactly as shown under "Flagged line(s)", without line numbers.'),
  reason: text("One or two sentences: why the finding is confirmed or refuted."),
});

export type Verification = z.infer<typeof VerificationSchema>;

/** The `response_format` of a verification call (strict structured output). */
export const VERIFICATION_FORMAT = zodResponseFormat(VerificationSchema, "phasegate_verification");

/** Parses and validates a model's reply text; the error reads like zod's pretty print, for the model to fix. */
export function parseModelReply(
  content: string,
): { ok: true; value: ModelReply } | { ok: false; error: string } {
  return parseJson(ModelReplyReadSchema, content);
}

/** Parses and validates a verification answer. */
export function parseVerification(
  content: string,
): { ok: true; value: Verification } | { ok: false; error: string } {
  return parseJson(VerificationSchema, content);
}

function parseJson<T>(
  schema: z.ZodType<T>,
  content: string,
): { ok: true; value: T } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch (error) {
    return { ok: false, error: `the reply is not JSON (${(error as Error).message})` };
  }
  const result = schema.safeParse(json);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, error: z.prettifyError(result.error) };
}
