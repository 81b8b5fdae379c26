import {
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  SqliteDialect,
  type TransactionSettings,
} from "kysely";
import { Mutex } from "./mutex.js";

/**
 * One mutex per SQLite file per process. better-sqlite3 is synchronous, so a connection waiting on SQLite's
 * `busy_timeout` blocks the whole event loop: two connections to one file in one process (two stores in a test,
 * a CLI next to the app) would stall until the timeout while the holder cannot run to release its lock.
 * Serialising them here leaves `busy_timeout` to wait only for other processes, where blocking is harmless.
 */
const locks = new Map<string, { mutex: Mutex; users: number }>();

function acquireFileMutex(path: string): { mutex: Mutex; done: () => void } {
  const held = locks.get(path) ?? { mutex: new Mutex(), users: 0 };
  locks.set(path, held);
  held.users++;
  return {
    mutex: held.mutex,
    done: () => {
      if (--held.users === 0) locks.delete(path);
    },
  };
}

/** Holds the file's mutex from `acquireConnection` to `releaseConnection`, i.e. for a whole transaction. */
class FileLockedDriver implements Driver {
  #release: (() => void) | undefined;

  constructor(
    private readonly inner: Driver,
    private readonly file: { mutex: Mutex; done: () => void },
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.file.mutex.lock();
    try {
      const connection = await this.inner.acquireConnection();
      this.#release = release;
      return connection;
    } catch (err) {
      release();
      throw err;
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    try {
      await this.inner.releaseConnection(connection);
    } finally {
      const release = this.#release;
      this.#release = undefined;
      release?.();
    }
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  savepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler["compileQuery"],
  ): Promise<void> {
    return this.inner.savepoint!(connection, name, compile);
  }

  rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler["compileQuery"],
  ): Promise<void> {
    return this.inner.rollbackToSavepoint!(connection, name, compile);
  }

  releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler["compileQuery"],
  ): Promise<void> {
    return this.inner.releaseSavepoint!(connection, name, compile);
  }

  async destroy(): Promise<void> {
    try {
      await this.inner.destroy();
    } finally {
      this.file.done();
    }
  }
}

/** kysely's SQLite dialect whose connection also holds a process-wide lock on `path` (absolute). */
export class FileLockedSqliteDialect extends SqliteDialect {
  readonly #path: string;

  constructor(path: string, config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
    this.#path = path;
  }

  override createDriver(): Driver {
    return new FileLockedDriver(super.createDriver(), acquireFileMutex(this.#path));
  }
}
