import type { IncomingMessage, ServerResponse } from "node:http";

/** How often a live page's stream looks at the database for changes made by another process. */
export const POLL_MS = 2000;
/** A comment line this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

/**
 * A server-sent event stream that sends `change` whenever `subscribe` reports one (changes made in this
 * process) or `poll` returns a value other than the last (changes made by another process), at most once per
 * `minGapMs`. Ends when the client goes away.
 */
export function serveChanges(
  req: IncomingMessage,
  res: ServerResponse,
  opts: {
    subscribe: (notify: () => void) => () => void;
    poll: () => Promise<string>;
    onError: (err: unknown) => void;
    minGapMs?: number;
    pollMs?: number;
  },
): void {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.write("retry: 2000\n\n");
  const minGap = opts.minGapMs ?? 250;
  let last: string | null = null;
  let lastSent = 0;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  const send = () => {
    if (closed || timer) return;
    const wait = Math.max(0, lastSent + minGap - Date.now());
    timer = setTimeout(() => {
      timer = null;
      if (closed) return;
      lastSent = Date.now();
      res.write(`event: change\ndata: ${lastSent}\n\n`);
    }, wait);
  };
  const unsubscribe = opts.subscribe(send);
  let polling = false;
  const poller = setInterval(() => {
    if (polling) return;
    polling = true;
    opts
      .poll()
      .then((value) => {
        if (last !== null && value !== last) send();
        last = value;
      })
      .catch(opts.onError)
      .finally(() => {
        polling = false;
      });
  }, opts.pollMs ?? POLL_MS);
  void opts.poll().then((v) => {
    last ??= v;
  }, opts.onError);
  const keepalive = setInterval(() => res.write(": keep-alive\n\n"), KEEPALIVE_MS);
  const close = () => {
    closed = true;
    unsubscribe();
    clearInterval(poller);
    clearInterval(keepalive);
    if (timer) clearTimeout(timer);
  };
  req.on("close", close);
  res.on("close", close);
}
