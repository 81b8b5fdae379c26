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
});

/** A `review`, `security` or `tests` reply: a summary paragraph and the findings. */
export const ModelReplySchema = z.object({
  summary: text("One paragraph: what the change does and the overall verdict."),
  findings: z.array(ModelFindingSchema),
});

export type ModelReply = z.infer<typeof ModelReplySchema>;

/** The `response_format` asking the model for a `ModelReply` as JSON (OpenAI structured output, strict). */
export const MODEL_REPLY_FORMAT = zodResponseFormat(ModelReplySchema, "phasegate_findings");

/** Parses and validates a model's reply text; the error reads like zod's pretty print, for the model to fix. */
export function parseModelReply(
  content: string,
): { ok: true; value: ModelReply } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch (error) {
    return { ok: false, error: `the reply is not JSON (${(error as Error).message})` };
  }
  const result = ModelReplySchema.safeParse(json);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, error: z.prettifyError(result.error) };
}
