import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpHandler } from "../../src/ops/http-handler.js";

/** Serves `handler` on 127.0.0.1 at a free port, as Probot's server would; `close` when done. */
export async function serve(handler: HttpHandler): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).then(
      (handled) => {
        if (!handled) res.writeHead(404).end();
      },
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The app's `/metrics` text, fetched over HTTP from `handler` as a scraper would. */
export async function scrapeMetrics(handler: HttpHandler): Promise<string> {
  const server = await serve(handler);
  try {
    const res = await fetch(`${server.url}/metrics`);
    if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
    return await res.text();
  } finally {
    await server.close();
  }
}
