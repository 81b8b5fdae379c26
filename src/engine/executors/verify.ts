import type { FileDiff } from "../../core/diff/diff.js";
import { type Finding, severityRank } from "../../core/findings/finding.js";
import { type FlaggedCode, flaggedCode } from "../../core/findings/finding-fingerprint.js";
import { DEFAULT_MIN_CONFIDENCE } from "../../core/run/plan.js";
import { fileCacheKey } from "../cache-key.js";
import { errorMessage } from "../error-message.js";
import type {
  AgentRequest,
  CachedReview,
  CallRecord,
  TokenMeter,
  VerifyReply,
  VerifyRequest,
} from "../ports.js";
import type { AgentExecutorOptions } from "./agent-options.js";
import { callsOf } from "./failed-call.js";
import type { PreparedInputs } from "./prepare-inputs.js";
import type { ReviewContext } from "./review.js";
import type { Outcome } from "./step-outcome.js";

/** Reply tokens set aside per verification call: a verdict, the quoted line(s), a sentence or two. */
export const VERIFY_REPLY_TOKENS = 400;
/** A meter that cannot price a verification prompt exactly: its system prompt and schema, generously. */
const VERIFY_OVERHEAD_TOKENS = 800;

/** What verifying one finding came to; `reason` is the model's, or why there is no usable answer. */
type Judgement = {
  readonly kind: "confirmed" | "refuted" | "unverified";
  readonly reason: string;
};

type Where = Pick<Finding, "title" | "file" | "line">;

/** `outcome.data.verification`: what verification did to a step's findings. */
export interface VerificationData {
  /** The verifying model. */
  readonly model: string;
  /** Findings that qualified (severity ≥ medium, confidence below the threshold or unknown). */
  readonly checked: number;
  readonly confirmed: number;
  readonly refuted: readonly (Where & { readonly reason: string })[];
  /** Kept, marked `verified: "unverified"`: an unusable answer, a failed call, no budget left, no flagged line. */
  readonly unverified: number;
  readonly unverifiedReasons: readonly (Where & { readonly reason: string })[];
  /** Verdicts reused from an earlier run of the same finding on the same code (0 tokens). */
  readonly cached: number;
}

/**
 * Verification (spec "Confidence and verification"): with `step.verify` set (the verifying model), each finding of
 * severity ≥ medium whose confidence is below `step.minConfidence` (default 0.7), or unknown, gets one call on
 * that model, which must quote the flagged line(s) and answer `confirmed` or `refuted` with a reason:
 * 1. a refuted finding is dropped, listed in the data and counted in the summary ("2 findings refuted on
 *    verification"); a confirmed one is kept, marked `verified: "confirmed"`;
 * 2. an answer that fails the schema or misquotes the flagged lines (whitespace aside), a call that fails, a
 *    budget too short for the call, a finding whose line is not in the diff: kept, marked `"unverified"`;
 *    verification never fails the step;
 * 3. calls run within the run's `max_parallel`, each reserving its tokens from the run's budget first, and
 *    their records join `outcome.calls`; verdicts (and unusable answers) are cached per repository, model,
 *    prompt version, file blob, finding and flagged code, so a re-run of an unchanged PR makes no call.
 * Only providers with a `meter` (a model) are verified; a step that already failed is left as it is.
 */
export async function verifyOutcome(
  opts: Pick<AgentExecutorOptions, "provider" | "cache" | "allowedModels">,
  ctx: ReviewContext & { readonly prepared: PreparedInputs },
  outcome: Outcome,
): Promise<Outcome> {
  const model = ctx.step.verify;
  if (!model || outcome.error || !opts.provider.meter) return outcome;
  const threshold = ctx.step.minConfidence ?? DEFAULT_MIN_CONFIDENCE;
  const candidates = outcome.reply.findings.filter((f) => needsVerification(f, threshold));
  if (candidates.length === 0) return outcome;
  const verifier = await startVerifier(opts, ctx, model);
  const judgements = await verifier.judgeAll(candidates);
  return applyJudgements(
    outcome,
    model,
    new Map(candidates.map((f, i) => [f, judgements[i]!])),
    verifier.calls,
    verifier.cached(),
  );
}

/** Severity ≥ medium (blockers too) and a confidence below `threshold`, or none given (unknown is not high). */
export function needsVerification(f: Finding, threshold: number): boolean {
  if (f.verified !== undefined || severityRank(f.severity) > severityRank("medium")) return false;
  return f.confidence === undefined || f.confidence < threshold;
}

/**
 * Whether an answer's quote is the flagged code: equal once runs of whitespace are one space and the ends are
 * trimmed (also without backticks wrapped around it, as models like to add). A blank line is quoted as "".
 */
export function quoteMatches(quote: string, lines: readonly string[]): boolean {
  const norm = (s: string) => s.replace(/\s+/g, " ").trim();
  const want = norm(lines.join("\n"));
  const said = norm(quote);
  return said === want || norm(said.replace(/^`+|`+$/g, "")) === want;
}

/** A verification call as recorded in the step's output: `verifies` is the finding's `file:line`. */
export interface VerificationCall extends CallRecord {
  readonly verifies: string;
}

interface Verifier {
  /** One judgement per finding, in order. */
  judgeAll(findings: readonly Finding[]): Promise<Judgement[]>;
  /** Every verification call made. */
  readonly calls: VerificationCall[];
  cached(): number;
}

const unverified = (reason: string): Judgement => ({ kind: "unverified", reason });

/** What verifies the findings of one step: the provider, the verifying model's meter, the cache, the budget. */
async function startVerifier(
  opts: Pick<AgentExecutorOptions, "provider" | "cache" | "allowedModels">,
  ctx: ReviewContext & { readonly prepared: PreparedInputs },
  model: string,
): Promise<Verifier> {
  const calls: VerificationCall[] = [];
  let hits = 0;
  const refuse = (reason: string): Verifier => ({
    judgeAll: async (findings) => findings.map(() => unverified(reason)),
    calls,
    cached: () => 0,
  });
  const allowed = opts.allowedModels ?? [];
  if (allowed.length > 0 && !allowed.includes(model)) {
    return refuse(`verification model "${model}" is not allowed on this server`);
  }
  const provider = opts.provider;
  if (!provider.verify || !provider.meter) return refuse(`${provider.label} cannot verify findings`);
  const verify = provider.verify.bind(provider);
  let meter: TokenMeter;
  try {
    meter = await provider.meter(model);
  } catch (err) {
    return refuse(`verification model "${model}": ${errorMessage(err)}`);
  }
  const files = ctx.prepared.inputs.files;
  const cache = opts.cache ?? null;
  const stepKind = ctx.step.kind as AgentRequest["kind"];

  const callModel = async (request: VerifyRequest, key: string | null): Promise<Judgement> => {
    ctx.signal.throwIfAborted();
    const promptTokens =
      meter.verifyPromptTokens?.(request) ??
      meter.countTokens(JSON.stringify(request.finding) + request.code.lines.join("\n")) +
        VERIFY_OVERHEAD_TOKENS;
    if (promptTokens > meter.maxPromptTokens) {
      return unverified(`the verification prompt is ${promptTokens} tokens, over ${model}'s limit`);
    }
    const reservation = ctx.share.budget.reserve(promptTokens + VERIFY_REPLY_TOKENS);
    if (!reservation) {
      return unverified(
        `token budget: verification needs about ${promptTokens + VERIFY_REPLY_TOKENS} tokens and the run has ${ctx.share.budget.remaining} left`,
      );
    }
    const at = `${request.finding.file}:${request.finding.line}`;
    let reply: VerifyReply;
    try {
      reply = await verify(request);
    } catch (err) {
      const spent = callsOf(err);
      reservation.settle(tokensOf(spent));
      for (const c of spent) calls.push({ ...c, verifies: at });
      if (ctx.signal.aborted) throw err;
      // Not cached: the next run may get an answer.
      return unverified(`the verification call failed: ${errorMessage(err)}`);
    }
    const tokens = tokensOf(reply.calls);
    reservation.settle(tokens);
    for (const c of reply.calls) calls.push({ ...c, verifies: at });
    const judgement = judge(reply, request.code);
    if (cache && key) {
      const review = encode(request.finding, judgement, tokens);
      // A verdict not stored costs a call on the next run, never this step.
      await cache
        .putMany([
          {
            key,
            model,
            kind: "verify",
            promptVersion: meter.promptVersion,
            path: request.finding.file,
            review,
          },
        ])
        .catch(() => {});
    }
    return judgement;
  };

  /** The request of a finding and its cache key, or why it cannot be verified. */
  const prepare = (finding: Finding): { request: VerifyRequest; key: string | null } | Judgement => {
    const code = flaggedCode(files, finding.file, finding.line);
    if (!code) {
      const why = finding.line === null ? "it concerns the whole file" : "its line is not in the diff";
      return unverified(`no flagged line to quote: ${why}`);
    }
    const { file, line, severity, title, body } = finding;
    const request: VerifyRequest = {
      model,
      stepKind,
      finding: { file, line, severity, title, body },
      code,
      signal: ctx.signal,
    };
    const diff = files.find((f) => f.path === file);
    return {
      request,
      key: diff ? verifyCacheKey(ctx.run.facts.repo, meter.promptVersion, diff, request) : null,
    };
  };

  return {
    calls,
    cached: () => hits,
    async judgeAll(findings: readonly Finding[]): Promise<Judgement[]> {
      const prepared = findings.map(prepare);
      const keys = [...new Set(prepared.flatMap((p) => ("request" in p && p.key ? [p.key] : [])))];
      // One read for every verdict (like reviews, a failed read fails the step, to be retried).
      const stored = cache && keys.length > 0 ? await cache.getMany(keys) : new Map<string, CachedReview>();
      // One call per distinct finding and code: a finding reported twice (overlapping chunks) is verified once.
      const inFlight = new Map<string, Promise<Judgement>>();
      return Promise.all(
        prepared.map((p) => {
          if (!("request" in p)) return p;
          const hit = p.key ? decode(stored.get(p.key)) : null;
          if (hit) {
            hits += 1;
            return hit;
          }
          const { file, line, title, body } = p.request.finding;
          const dedupe = p.key ?? JSON.stringify([file, line, title, body]);
          let judged = inFlight.get(dedupe);
          if (!judged) {
            judged = ctx.share.limit(() => callModel(p.request, p.key));
            inFlight.set(dedupe, judged);
          }
          return judged;
        }),
      );
    },
  };
}

/** The model's answer as a judgement: one that fails the schema or misquotes the flagged code is unusable. */
function judge(reply: VerifyReply, code: FlaggedCode): Judgement {
  const answer = reply.answer;
  if (!answer) return unverified(`unusable answer: ${reply.problem ?? "not valid"}`);
  if (!quoteMatches(answer.quote, code.lines)) {
    return unverified("unusable answer: its quote is not the flagged line(s)");
  }
  return { kind: answer.verdict, reason: answer.reason.trim() };
}

/**
 * A verdict's cache key: the verifying model, the prompt version, the repository and the file's blob (through
 * `fileCacheKey`), and everything the prompt holds: the step kind, the finding and its flagged code.
 */
function verifyCacheKey(repo: string, promptVersion: string, file: FileDiff, request: VerifyRequest): string {
  const { finding, code } = request;
  const context = JSON.stringify([
    request.stepKind,
    finding.line,
    finding.severity,
    finding.title,
    finding.body,
    code.before,
    code.lines,
    code.after,
  ]);
  return fileCacheKey(
    { repo, model: request.model, kind: "verify", promptVersion, instructions: null, context },
    file,
  );
}

/** The cache holds findings: a verdict is stored as its finding, `source` naming the verdict, `body` its reason. */
const VERDICT_SOURCE = "verification:";

function encode(finding: VerifyRequest["finding"], judgement: Judgement, tokens: number): CachedReview {
  const { file, line, severity, title } = finding;
  return {
    findings: [
      { file, line, severity, title, body: judgement.reason, source: `${VERDICT_SOURCE}${judgement.kind}` },
    ],
    tokens,
  };
}

function decode(hit: CachedReview | undefined): Judgement | null {
  const record = hit?.findings[0];
  const kind = record?.source?.startsWith(VERDICT_SOURCE) ? record.source.slice(VERDICT_SOURCE.length) : null;
  if (!record || (kind !== "confirmed" && kind !== "refuted" && kind !== "unverified")) return null;
  return { kind, reason: record.body };
}

const tokensOf = (calls: readonly CallRecord[]) =>
  calls.reduce((n, c) => n + c.promptTokens + c.completionTokens, 0);

/** The outcome with refuted findings dropped, kept ones marked, the calls added, the note and the data set. */
function applyJudgements(
  outcome: Outcome,
  model: string,
  judged: ReadonlyMap<Finding, Judgement>,
  calls: readonly CallRecord[],
  cached: number,
): Outcome {
  const findings = outcome.reply.findings.flatMap((f): Finding[] => {
    const j = judged.get(f);
    if (!j) return [f];
    return j.kind === "refuted" ? [] : [{ ...f, verified: j.kind }];
  });
  // A finding reported twice (overlapping chunks) counts once, as it is posted once.
  const seen = new Set<string>();
  const distinct = [...judged].filter(([f]) => {
    const key = JSON.stringify([f.file, f.line, f.title, f.body]);
    return !seen.has(key) && seen.add(key);
  });
  const listed = (kind: Judgement["kind"]) =>
    distinct
      .filter(([, j]) => j.kind === kind)
      .map(([f, j]) => ({ title: f.title, file: f.file, line: f.line, reason: j.reason }));
  const refuted = listed("refuted");
  const unverifiedReasons = listed("unverified");
  const verification: VerificationData = {
    model,
    checked: distinct.length,
    confirmed: listed("confirmed").length,
    refuted,
    unverified: unverifiedReasons.length,
    unverifiedReasons,
    cached,
  };
  const n = refuted.length;
  const note = n > 0 ? `${n} finding${n === 1 ? "" : "s"} refuted on verification` : null;
  return {
    ...outcome,
    reply: { ...outcome.reply, findings },
    calls: [...outcome.calls, ...calls],
    ...(note && { summaryNote: [outcome.summaryNote, note].filter(Boolean).join(" · ") }),
    data: { ...outcome.data, verification },
  };
}
