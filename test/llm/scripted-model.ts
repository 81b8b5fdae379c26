import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** An answer of the scripted endpoint: a status and a JSON body. */
export type ScriptedAnswer = readonly [status: number, body: unknown];

export interface ScriptedModel {
  /** `http://127.0.0.1:<port>/v1`: an OpenAI-compatible base URL. */
  readonly baseURL: string;
  /** Requests received so far. */
  readonly requests: () => number;
  close(): Promise<void>;
}

/** What an OpenAI-compatible endpoint answers when it is down. */
export const SERVER_ERROR: ScriptedAnswer = [
  500,
  { error: { message: "upstream down", type: "server_error" } },
];

/**
 * A real HTTP server on 127.0.0.1 (the SDK's own fetch, no interception) answering every request to
 * `/v1/chat/completions` with `answer(n)`, n counting requests from 1: for counting what an outage costs.
 */
export async function startScriptedModel(
  answer: (n: number) => ScriptedAnswer = () => SERVER_ERROR,
): Promise<ScriptedModel> {
  let n = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const [status, body] = answer(++n);
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests: () => n,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
