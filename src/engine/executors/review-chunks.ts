import type { FileDiff } from "../../core/diff/diff.js";
import { type Chunk, packChunks } from "../../core/diff/pack-chunks.js";
import { pieceLines, splitFile } from "../../core/diff/split-diff.js";
import type { Finding } from "../../core/findings/finding.js";
import { type CacheScope, fileCacheKey } from "../cache-key.js";
import type {
  AgentCache,
  AgentProvider,
  AgentRequest,
  CachedReview,
  CallRecord,
  TokenMeter,
} from "../ports.js";
import type { RunShare } from "../run-resources.js";
import { callsOf } from "./failed-call.js";

/** A review call as recorded in a step's output: which files it covered, what it cost, how long it took. */
export interface ChunkCall extends CallRecord {
  readonly chunk: number;
  readonly files: readonly string[];
}

export interface ChunkedReview {
  readonly findings: readonly Finding[];
  readonly summaries: readonly string[];
  readonly notReviewed: readonly { readonly path: string; readonly reason: string }[];
  readonly calls: readonly ChunkCall[];
  readonly cacheHits: readonly string[];
  /** The first call that failed after its retries; the step fails with it (what was reviewed is kept). */
  readonly error: unknown;
  /** Files that had to be reviewed (not cached) and how many of their chunks were sent. */
  readonly fresh: number;
  readonly chunksSent: number;
  /** Set when the budget stopped the review: the tokens that were left when it did. */
  readonly budgetLeft: number | null;
}

export interface ReviewChunksInput {
  /** The step's request; `files` are the reviewable files, sanitised and redacted, most important first. */
  readonly request: AgentRequest;
  readonly provider: AgentProvider;
  readonly meter: TokenMeter;
  readonly share: RunShare;
  readonly cache: AgentCache | null;
  /** What results depend on besides the file: with the file, the cache key. */
  readonly scope: CacheScope;
}

/** A prompt's diff may fill this share of the chunk target: token sums of pieces are estimates. */
const FILL = 0.95;
/**
 * The least diff a call carries, however large the fixed part (a huge persona, thousands of changed paths):
 * the chunk target is a goal, the model's limit (checked by the provider, never truncated) the hard bound.
 */
const MIN_ROOM = 2_000;

/**
 * Reviews files in chunks that fit the model:
 * 1. reuse cached results of files reviewed before (same model, kind, prompts, persona, path and blob);
 * 2. split the rest by file, hunk and line into pieces, and pack them, most important first, into chunks;
 * 3. run the chunks in parallel within the run's `max_parallel`, each reserving its tokens from the run's budget
 *    first; once a chunk does not fit the budget (or a call fails), no further chunk starts;
 * 4. cache each file once all its pieces are reviewed, and list every file or piece not reviewed, with why.
 */
export async function reviewChunks(input: ReviewChunksInput): Promise<ChunkedReview> {
  const { request, meter, share, cache } = input;
  const keys = new Map(request.files.map((f) => [f.path, fileCacheKey(input.scope, f)]));
  const cached = cache ? await cache.getMany([...keys.values()]) : new Map<string, CachedReview>();
  const fresh = request.files.filter((f) => !cached.has(keys.get(f.path)!));
  const findings: Finding[] = request.files.flatMap((f) => cached.get(keys.get(f.path)!)?.findings ?? []);
  const notReviewed: { path: string; reason: string }[] = [];

  // Every call repeats the system prompt and PR text; the diff gets what is left of the chunk target.
  const overhead = meter.promptTokens({ ...request, files: [] });
  const room = Math.max(MIN_ROOM, Math.floor(meter.chunkTokens * FILL) - overhead);
  const pieces: { file: FileDiff; tokens: number }[] = [];
  for (const file of fresh) {
    for (const piece of splitFile(file, room, meter.fileTokens)) {
      const tokens = meter.fileTokens(piece);
      if (tokens > room) {
        notReviewed.push({
          path: file.path,
          reason: `${pieceLines(piece)} not reviewed: too large for one prompt (${tokens} tokens, ${room} fit)`,
        });
      } else {
        pieces.push({ file: piece, tokens });
      }
    }
  }
  const chunks = packChunks(pieces, room);
  const progress = trackPieces(pieces.map((p) => p.file));

  const calls: ChunkCall[] = [];
  const summaries: string[] = [];
  let stop: "budget" | "error" | null = null;
  let error: unknown = null;
  let chunksSent = 0;
  let budgetLeft: number | null = null;
  const skip = (pieces: readonly FileDiff[], why: string) => {
    for (const piece of pieces) {
      notReviewed.push({ path: piece.path, reason: piece.part ? `${pieceLines(piece)} ${why}` : why });
    }
  };
  const budgetReason = () =>
    `not reviewed: the run's token budget is spent (${share.budget.limit - share.budget.remaining} of ${share.budget.limit} tokens used)`;
  /**
   * Reserves tokens for the chunk, or for as many of its leading (most important) pieces as the budget still
   * covers: the last call of a tight budget reviews what it can rather than nothing.
   */
  const reserveLeading = (pieces: readonly FileDiff[]) => {
    for (let n = pieces.length; n > 0; n--) {
      const files = pieces.slice(0, n);
      const reservation = share.budget.reserve(
        meter.promptTokens({ ...request, files }) + meter.replyAllowance,
      );
      if (reservation) return { files, reservation };
    }
    return { files: [], reservation: null };
  };
  const run = async (chunk: Chunk, index: number): Promise<void> => {
    if (stop !== null) {
      skip(chunk.files, stop === "budget" ? budgetReason() : "not reviewed: an earlier model call failed");
      return;
    }
    request.signal.throwIfAborted();
    const { files, reservation } = reserveLeading(chunk.files);
    if (files.length < chunk.files.length) {
      // Whatever comes after this chunk is less important and cannot fit either: start nothing more.
      stop = "budget";
      budgetLeft ??= share.budget.remaining;
      skip(chunk.files.slice(files.length), budgetReason());
    }
    if (!reservation) return;
    chunksSent += 1;
    const sent = paths(files);
    try {
      const reply = await input.provider.run({ ...request, files });
      const used = reply.usage.promptTokens + reply.usage.completionTokens;
      reservation.settle(used);
      for (const c of reply.calls ?? []) calls.push({ ...c, chunk: index + 1, files: sent });
      findings.push(...reply.findings);
      summaries.push(reply.text);
      const done = progress.complete(files, reply.findings, used);
      if (cache && done.length) {
        const { model, kind, promptVersion } = input.scope;
        await cache.putMany(done.map((d) => ({ key: keys.get(d.path)!, model, kind, promptVersion, ...d })));
      }
    } catch (err) {
      const spent = callsOf(err);
      reservation.settle(spent.reduce((n, c) => n + c.promptTokens + c.completionTokens, 0));
      for (const c of spent) calls.push({ ...c, chunk: index + 1, files: sent });
      if (request.signal.aborted) throw err;
      stop = "error";
      error ??= err;
      skip(files, "not reviewed: its model call failed");
    }
  };
  await Promise.all(chunks.map((chunk, i) => share.limit(() => run(chunk, i))));
  return {
    findings,
    summaries,
    notReviewed,
    calls,
    cacheHits: request.files.filter((f) => cached.has(keys.get(f.path)!)).map((f) => f.path),
    error,
    fresh: fresh.length,
    chunksSent,
    budgetLeft,
  };
}

function paths(files: readonly FileDiff[]): string[] {
  return [...new Set(files.map((f) => f.path))];
}

/**
 * Which pieces of each file are reviewed. A file is complete, and its result cacheable, once all its pieces
 * are; its cost is its share (by diff tokens) of the calls that reviewed it.
 */
function trackPieces(pieces: readonly FileDiff[]) {
  const left = new Map<string, number>();
  for (const p of pieces) left.set(p.path, (left.get(p.path) ?? 0) + 1);
  const found = new Map<string, Finding[]>();
  const cost = new Map<string, number>();
  return {
    complete(
      files: readonly FileDiff[],
      findings: readonly Finding[],
      used: number,
    ): { path: string; review: CachedReview }[] {
      const done: { path: string; review: CachedReview }[] = [];
      for (const path of new Set(files.map((f) => f.path))) {
        const share = files.filter((f) => f.path === path).length;
        found.set(path, [...(found.get(path) ?? []), ...findings.filter((f) => f.file === path)]);
        cost.set(path, (cost.get(path) ?? 0) + Math.round((used * share) / Math.max(1, files.length)));
        const remaining = (left.get(path) ?? 0) - share;
        left.set(path, remaining);
        if (remaining === 0) {
          done.push({ path, review: { findings: found.get(path) ?? [], tokens: cost.get(path) ?? 0 } });
        }
      }
      return done;
    },
  };
}
