/**
 * nock 15 intercepts through @mswjs/interceptors 0.44, which calls `Promise.withResolvers` (ES2024, Node ≥ 22)
 * when a request opens a socket; on Node 20 every intercepted `fetch` then fails as a "Connection error".
 * test/setup.ts imports this module before nock, so every test file gets the missing function.
 */
const P = Promise as unknown as { withResolvers?: () => unknown };
if (typeof P.withResolvers !== "function") {
  P.withResolvers = () => {
    let resolve!: (value: unknown) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
