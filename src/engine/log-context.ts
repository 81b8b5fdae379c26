import { AsyncLocalStorage } from "node:async_hooks";
import type { Logger } from "./logger.js";

/** Fields every line logged in a context carries: the webhook delivery, the run and step being worked on. */
export type LogFields = Readonly<Record<string, string | number>>;

/** A logger that can make children with bound fields: pino's (and so Probot's `app.log`). */
export interface ChildableLogger extends Logger {
  child(bindings: Record<string, unknown>): Logger;
}

const storage = new AsyncLocalStorage<LogFields>();

/**
 * Runs `fn` with `fields` added to the current log context (nested contexts merge, inner fields win). Every line
 * a `contextLogger` writes inside, including from callbacks and promises started there, carries them.
 *
 * @example
 * await withLogContext({ deliveryId }, () => handleJob(job));
 */
export function withLogContext<T>(fields: LogFields, fn: () => T): T {
  const outer = storage.getStore();
  return storage.run(outer ? { ...outer, ...fields } : { ...fields }, fn);
}

/** The current context's fields, if any. */
export function currentLogContext(): LogFields | undefined {
  return storage.getStore();
}

/**
 * `base` with the current context's fields on every line, via `base.child(fields)`; one child per context object
 * (held weakly, so finished contexts cost nothing).
 */
export function contextLogger(base: ChildableLogger): Logger {
  const children = new WeakMap<LogFields, Logger>();
  const current = (): Logger => {
    const fields = storage.getStore();
    if (!fields) return base;
    let child = children.get(fields);
    if (!child) {
      child = base.child({ ...fields });
      children.set(fields, child);
    }
    return child;
  };
  // Arguments pass through as given: Octokit's logger calls (message, info) where the engine calls (obj, message).
  const method =
    (level: keyof Logger): Logger[keyof Logger] =>
    (obj, msg) =>
      current()[level](obj, msg);
  return { debug: method("debug"), info: method("info"), warn: method("warn"), error: method("error") };
}
