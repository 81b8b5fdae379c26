import { getTransformStream } from "@probot/pino";
import pino, { type Logger } from "pino";

/**
 * Fields of Probot's request log that carry credentials. Probot logs every request with all its headers, so
 * without this the dashboard's session cookie and a `Bearer`/`Basic` token would be written on every line.
 */
export const REDACTED_LOG_PATHS = [
  "req.headers.cookie",
  "req.headers.authorization",
  "req.headers['proxy-authorization']",
  "res.headers['set-cookie']",
] as const;

/** Probot's log settings, read from the environment as `probot run` reads them. */
export interface ServerLogOptions {
  readonly level: string;
  readonly format: "json" | "pretty";
  readonly levelInString: boolean;
  readonly messageKey: string;
  readonly sentryDsn: string | undefined;
}

/** `LOG_LEVEL`, `LOG_FORMAT` (json in production, else pretty), `LOG_LEVEL_IN_STRING`, `LOG_MESSAGE_KEY`, `SENTRY_DSN`. */
export function serverLogOptions(env: NodeJS.ProcessEnv): ServerLogOptions {
  const format = env.LOG_FORMAT
    ? env.LOG_FORMAT === "pretty"
      ? "pretty"
      : "json"
    : env.NODE_ENV === "production"
      ? "json"
      : "pretty";
  return {
    level: env.LOG_LEVEL || "info",
    format,
    levelInString: env.LOG_LEVEL_IN_STRING === "true",
    messageKey: env.LOG_MESSAGE_KEY || "msg",
    sentryDsn: env.SENTRY_DSN || undefined,
  };
}

/** The pino options of the server's logger: Probot's own (name, level, message key) plus the redaction. */
export function serverPinoOptions(o: Pick<ServerLogOptions, "level" | "messageKey">): pino.LoggerOptions {
  return {
    level: o.level,
    name: "probot",
    messageKey: o.messageKey,
    redact: { paths: [...REDACTED_LOG_PATHS], censor: "[redacted]" },
  };
}

/**
 * The logger `npm start` gives Probot: the one Probot would make (its pretty/json/Sentry transform to stdout),
 * with credentials redacted from request log lines.
 */
export async function serverLogger(o: ServerLogOptions): Promise<Logger> {
  const transform = await getTransformStream({
    logFormat: o.format,
    logLevelInString: o.levelInString,
    sentryDsn: o.sentryDsn,
  });
  // As Probot does; SonicBoom is a writable stream but is not typed as one.
  transform.pipe(pino.destination(1) as unknown as NodeJS.WritableStream);
  return pino(serverPinoOptions(o), transform);
}
