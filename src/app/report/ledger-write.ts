import { GitHubWriteUncertainError } from "../../github/errors.js";
import type { ReportContext } from "./report-context.js";

/** What a find-or-create writes: how to look the object up on GitHub and how to create it. */
export interface LedgerWrite<T> {
  /** Effects-ledger key, e.g. `check:agents`, `review:review`, `comment:plan`. */
  readonly key: string;
  /** Kept in the ledger beside the GitHub id (pending and done). */
  readonly data: Readonly<Record<string, unknown>>;
  /** The object this write made, if GitHub has it: called after an uncertain POST or a `pending` record. */
  find(): Promise<T | null>;
  /** The POST. */
  create(): Promise<T>;
  idOf(found: T): string;
}

/** How a find-or-create ended: `created` by this call, or `adopted` after a write that may have happened. */
export interface LedgerResult<T> {
  readonly how: "created" | "adopted";
  readonly value: T;
  readonly githubId: string;
}

/**
 * Idempotent create: records `pending` in the effects ledger before the POST and `done` with GitHub's id after.
 * A `pending` record (the process died mid-write) or a POST that failed uncertainly (5xx, network) is answered
 * by looking the object up first and adopting it; only when GitHub has none is it created (again). Two uncertain
 * POSTs in a row leave the record `pending` and throw: the next pass looks it up again.
 */
export async function findOrCreate<T>(
  c: ReportContext,
  w: LedgerWrite<T>,
  pending: boolean,
): Promise<LedgerResult<T>> {
  const { s, run } = c;
  const done = async (how: LedgerResult<T>["how"], value: T): Promise<LedgerResult<T>> => {
    const githubId = w.idOf(value);
    await s.github.putEffect(run.id, w.key, { state: "done", githubId, data: w.data }, s.now());
    return { how, value, githubId };
  };
  if (pending) {
    const found = await w.find();
    if (found) return done("adopted", found);
  }
  await s.github.putEffect(run.id, w.key, { state: "pending", githubId: null, data: w.data }, s.now());
  for (let attempt = 1; ; attempt++) {
    try {
      return await done("created", await w.create());
    } catch (err) {
      if (!(err instanceof GitHubWriteUncertainError) || attempt >= 2) throw err;
      s.log.warn({ runId: run.id, key: w.key, err: err.message }, "uncertain write to GitHub: looking it up");
      const found = await w.find();
      if (found) return done("adopted", found);
    }
  }
}
