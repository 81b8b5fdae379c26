import { randomUUID } from "node:crypto";
import { request } from "node:http";
import { createServer } from "node:net";
import { signature } from "../../bench/github-app-payloads.js";

/** A TCP port free on 127.0.0.1 right now, for an app process to listen on. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** POSTs a delivery signed with `secret` the way GitHub does; resolves with the HTTP status. */
export function deliverWebhook(
  port: number,
  secret: string,
  event: string,
  payload: object,
  id: string = randomUUID(),
): Promise<number> {
  const body = JSON.stringify(payload);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/api/github/webhooks",
        method: "POST",
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "user-agent": "GitHub-Hookshot/test",
          "x-github-event": event,
          "x-github-delivery": id,
          "x-hub-signature-256": signature(secret, body),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
