import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { serverLogOptions, serverPinoOptions } from "../../src/ops/server-log.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe("the server's logger", () => {
  it("redacts credentials from request lines, in children too (Probot's request logger is a child)", () => {
    const { lines, stream } = capture();
    const log = pino(serverPinoOptions({ level: "info", messageKey: "msg" }), stream);
    const req = {
      method: "GET",
      url: "/agents",
      headers: { cookie: "phasegate_session=1.abc", authorization: "Bearer tok", "user-agent": "curl/8" },
    };
    log
      .child({ name: "http" })
      .child({ req })
      .info({ res: { headers: { "set-cookie": "s=1" } } }, "GET /agents");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      name: "http",
      msg: "GET /agents",
      req: { headers: { cookie: "[redacted]", authorization: "[redacted]", "user-agent": "curl/8" } },
      res: { headers: { "set-cookie": "[redacted]" } },
    });
    // The request object itself is untouched: the dashboard still reads its cookie.
    expect(req.headers.cookie).toBe("phasegate_session=1.abc");
  });

  it("reads Probot's LOG_* variables as `probot run` does", () => {
    expect(serverLogOptions({})).toEqual({
      level: "info",
      format: "pretty",
      levelInString: false,
      messageKey: "msg",
      sentryDsn: undefined,
    });
    expect(serverLogOptions({ NODE_ENV: "production" }).format).toBe("json");
    expect(
      serverLogOptions({
        LOG_FORMAT: "json",
        LOG_LEVEL: "debug",
        LOG_LEVEL_IN_STRING: "true",
        LOG_MESSAGE_KEY: "m",
      }),
    ).toMatchObject({ format: "json", level: "debug", levelInString: true, messageKey: "m" });
  });
});
