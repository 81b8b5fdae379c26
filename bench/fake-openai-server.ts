import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { loadTokenCounter } from "../src/llm/tokenizer.js";

/** What the fake server was asked: one entry per chat completion. */
export interface ServedCall {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly files: readonly string[];
  /** When the request came in and when it was answered, in ms since the epoch (`performance.timeOrigin` based). */
  readonly receivedAt: number;
  answeredAt: number | null;
}

export interface FakeOpenAI {
  readonly baseURL: string;
  readonly calls: ServedCall[];
  close(): Promise<void>;
}

/**
 * An OpenAI-compatible `/v1/chat/completions` on 127.0.0.1, for benchmarks: no network, no key. It counts each
 * request's prompt tokens with the model's tokenizer the way OpenAI bills them (3 per message, 3 for the reply,
 * the structured-output schema) and answers with a valid findings reply naming the first file it was shown.
 */
export async function startFakeOpenAI(
  model: string,
  /** `delayMs`: each answer leaves this long after its request came in (default: as soon as it is ready). */
  options: { delayMs?: number } = {},
): Promise<FakeOpenAI> {
  const count = await loadTokenCounter(model);
  const calls: ServedCall[] = [];
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      raw += chunk;
    });
    req.on("end", () => {
      const receivedAt = epochMs();
      const body = JSON.parse(raw) as {
        messages: { content: string }[];
        response_format?: { json_schema?: { schema?: unknown } };
      };
      const schema = body.response_format?.json_schema?.schema;
      const promptTokens =
        body.messages.reduce((n, m) => n + 3 + count(m.content), 3) +
        (schema ? count(JSON.stringify(schema)) : 0);
      const files = [
        ...body.messages
          .map((m) => m.content)
          .join("\n")
          .matchAll(/^File: (\S+)/gm),
      ].map((m) => m[1]!);
      const first = files[0];
      const content = JSON.stringify({
        summary: `Reviewed ${files.length} file parts; one thing to look at.`,
        findings: first
          ? [
              {
                file: first,
                line: null,
                severity: "low",
                title: "Limit is hard-coded",
                body: "Read the limit from configuration so operators can change it without a deploy.",
                suggestion: null,
              },
            ]
          : [],
      });
      const completionTokens = count(content);
      const call: ServedCall = { promptTokens, completionTokens, files, receivedAt, answeredAt: null };
      calls.push(call);
      res.setHeader("content-type", "application/json");
      const reply = () => {
        call.answeredAt = epochMs();
        res.end(
          JSON.stringify({
            id: `chatcmpl-${calls.length}`,
            object: "chat.completion",
            created: 1_750_000_000,
            model,
            choices: [
              { index: 0, message: { role: "assistant", content, refusal: null }, finish_reason: "stop" },
            ],
            usage: {
              prompt_tokens: promptTokens,
              completion_tokens: completionTokens,
              total_tokens: promptTokens + completionTokens,
            },
          }),
        );
      };
      // The model's latency counts from the request's arrival: this server's own token counting is part of it.
      const wait = (options.delayMs ?? 0) - (epochMs() - receivedAt);
      if (wait > 0) setTimeout(reply, wait);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Milliseconds since the epoch with sub-millisecond precision, comparable across threads of one process. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}
