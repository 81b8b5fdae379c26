import type { IncomingMessage, ServerResponse } from "node:http";

/** A Probot server handler: answers the request and returns true, or returns false to let the next one try. */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

/** One handler trying each of `handlers` in order. */
export function firstHandler(handlers: readonly HttpHandler[]): HttpHandler {
  return async (req, res) => {
    for (const handler of handlers) if (await handler(req, res)) return true;
    return false;
  };
}
