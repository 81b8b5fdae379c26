import pg from "pg";

/**
 * Locks by name held against every other app process (replica) on the same database, for work whose side
 * effects must happen once: reporting a run on GitHub, a webhook job of a PR, a run's gate evaluation.
 */
export interface NamedLocks {
  /** True when the locks reach other processes (Postgres); false for the single-process SQLite default. */
  readonly shared: boolean;
  /**
   * Runs `work` while holding `name`; waits (polling) while another process holds it. Within one process callers
   * serialise their own work on a name: a process may hold a name twice.
   */
  withLock<T>(name: string, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** SQLite is one process (its file lock allows one writer): nothing to coordinate. */
export const LOCAL_LOCKS: NamedLocks = Object.freeze({
  shared: false,
  withLock: <T>(_name: string, work: () => Promise<T>) => work(),
  close: async () => {},
});

export interface PostgresLockOptions {
  /** First and longest wait between two tries of a held lock (ms); default 25 and 500. */
  readonly retryMs?: readonly [number, number];
  /** Told when the locks' connection broke while `name` was held: the lock was lost while its work ran. */
  readonly onLost?: (name: string, err: Error) => void;
}

/**
 * Postgres session advisory locks (`pg_try_advisory_lock`) on one connection of their own per process: holding a
 * lock keeps no connection busy, so any number of locks (a job's, then its run's gates') can be held at once
 * without taking connections the work itself needs, and nested locks can never exhaust a pool. The key is a
 * 64-bit hash of the current schema and the name, so two app databases (schemas) on one server never contend. A
 * process that dies ends its session and with it its locks; nothing needs cleaning up. A waiter tries again after
 * a growing pause instead of blocking the connection. Within a process callers serialise their own work on a
 * name (the session lock is re-entrant), as the job queue, the reporter and gate evaluation do.
 *
 * @example
 * const locks = await postgresLocks("postgres://app@db/phasegate");
 * await locks.withLock(`report:${runId}`, () => reportRun(runId));
 */
export async function postgresLocks(url: string, options: PostgresLockOptions = {}): Promise<NamedLocks> {
  const [firstMs, maxMs] = options.retryMs ?? [25, 500];
  const key = "hashtextextended(current_schema() || ':' || $1::text, 0)";
  /** Names held on the current session, with how often (re-entrant). */
  const held = new Map<string, number>();
  let session: Promise<pg.Client> | null = null;
  /** The connected client of `session`; null once it broke. */
  let live: pg.Client | null = null;
  let closed = false;

  const connect = async (): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: url });
    client.on("error", (err: Error) => {
      // The session is gone and with it every lock it held: say so, and start a new session next time.
      if (session === current) session = null;
      if (live === client) live = null;
      for (const name of held.keys()) options.onLost?.(name, err);
      held.clear();
      void client.end().catch(() => {});
    });
    const current = client.connect().then(() => {
      live = client;
      return client;
    });
    session = current;
    return current;
  };
  const client = (): Promise<pg.Client> => {
    if (closed) return Promise.reject(new Error("the locks' connection is closed"));
    return (
      session ??
      connect().catch((err) => {
        session = null;
        throw err;
      })
    );
  };
  await client(); // fail at start-up, not at the first webhook, when Postgres cannot be reached

  return {
    shared: true,
    async withLock(name, work) {
      for (let waitMs = firstMs; ; waitMs = Math.min(maxMs, waitMs * 2)) {
        const c = await client();
        const { rows } = await c.query<{ ok: boolean }>(`select pg_try_advisory_lock(${key}) as ok`, [name]);
        if (rows[0]?.ok !== true) {
          await new Promise((resolve) => setTimeout(resolve, waitMs));
          continue;
        }
        held.set(name, (held.get(name) ?? 0) + 1);
        try {
          return await work();
        } finally {
          const count = held.get(name);
          // Unlock on the session that locked it, unless that session broke (its locks went with it).
          if (count !== undefined && live === c) {
            if (count > 1) held.set(name, count - 1);
            else held.delete(name);
            await c.query(`select pg_advisory_unlock(${key})`, [name]).catch(() => {});
          }
        }
      }
    },
    async close() {
      closed = true;
      const c = session;
      session = null;
      live = null;
      await c?.then((open) => open.end()).catch(() => {});
    },
  };
}

/** The locks for `DATABASE_URL`: advisory locks on Postgres, none on SQLite. */
export function namedLocks(url: string, options?: PostgresLockOptions): Promise<NamedLocks> {
  return /^postgres(ql)?:\/\//.test(url) ? postgresLocks(url, options) : Promise.resolve(LOCAL_LOCKS);
}
