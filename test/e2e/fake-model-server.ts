/**
 * A fake OpenAI-compatible model server on loopback, streaming as the real one does. What it does is
 * chosen by markers in the last user message: `Reply with: X` answers X; `[tool:write]` asks for the
 * write tool, then answers after its result; `[status:N]` fails with HTTP N (429 with retry-after);
 * `[cut]` drops the stream midway; `[malformed]` sends a broken chunk; `[slow]` streams for 10 s.
 * Requests under `/limited/` always get 429.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";

interface Message {
  role: string;
  content?: string | null;
}

export interface FakeModelServer {
  readonly url: string;
  readonly requests: { model: string; messages: Message[]; tools: unknown[] }[];
  close(): Promise<void>;
}

function chunk(delta: Record<string, unknown>, finish: string | null = null): string {
  return `data: ${JSON.stringify({ id: "chatcmpl-fake", object: "chat.completion.chunk", created: 0, model: "fake", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

async function body(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const part of req) text += part;
  return text;
}

export async function startFakeModelServer(): Promise<FakeModelServer> {
  const requests: FakeModelServer["requests"] = [];
  const server: Server = createServer(async (req, res) => {
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      res.writeHead(404).end();
      return;
    }
    const request = JSON.parse(await body(req)) as { model: string; messages: Message[]; tools?: unknown[] };
    requests.push({ model: request.model, messages: request.messages, tools: request.tools ?? [] });
    const lastUser = request.messages.toReversed().find((m) => m.role === "user")?.content ?? "";
    const afterTool = request.messages.at(-1)?.role === "tool";
    // A provider mounted under /limited/ is always rate-limited (for fallback tests).
    // The key "exhausted" has no quota left (for auth-profile rotation tests).
    const status = req.url.includes("/limited/")
      ? ["", "429"]
      : req.headers.authorization === "Bearer exhausted"
        ? ["", "402"]
        : /\[status:(\d{3})\]/.exec(lastUser);
    if (status) {
      const code = Number(status[1]);
      const error =
        code === 402
          ? { message: "You exceeded your current quota", type: "insufficient_quota", code: "insufficient_quota" }
          : { message: code === 529 ? "Overloaded" : `fake error ${code}`, type: "error" };
      res.writeHead(code, { "Content-Type": "application/json", ...(code === 429 ? { "retry-after": "1" } : {}) });
      res.end(JSON.stringify({ error }));
      return;
    }
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" });
    const send = (text: string) => res.write(text);
    const finish = (reason: string, input: number, output: number) => {
      send(chunk({}, reason));
      send(
        `data: ${JSON.stringify({ id: "chatcmpl-fake", object: "chat.completion.chunk", created: 0, model: "fake", choices: [], usage: { prompt_tokens: input, completion_tokens: output, total_tokens: input + output } })}\n\n`,
      );
      send("data: [DONE]\n\n");
      res.end();
    };
    if (lastUser.includes("[tool:write]") && !afterTool) {
      send(chunk({ role: "assistant", content: "" }));
      send(
        chunk({
          tool_calls: [{ index: 0, id: "call_w1", type: "function", function: { name: "write", arguments: "" } }],
        }),
      );
      send(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"path":"note.txt",' } }] }));
      send(chunk({ tool_calls: [{ index: 0, function: { arguments: '"content":"hello from the tool"}' } }] }));
      finish("tool_calls", 20, 10);
      return;
    }
    if (lastUser.includes("[cut]")) {
      send(chunk({ role: "assistant", content: "partial " }));
      res.socket?.destroy();
      return;
    }
    if (lastUser.includes("[malformed]")) {
      send("data: {not json\n\n");
      res.end();
      return;
    }
    if (lastUser.includes("[slow]")) {
      for (let i = 0; i < 50 && !res.destroyed; i++) {
        send(chunk({ content: `word${i} ` }));
        await new Promise((r) => setTimeout(r, 200));
      }
      finish("stop", 10, 50);
      return;
    }
    const reply = afterTool ? "done writing" : (/Reply with: (.*)$/m.exec(lastUser)?.[1]?.trim() ?? `ok: ${lastUser}`);
    send(chunk({ role: "assistant", content: "" }));
    for (const piece of reply.match(/.{1,8}/gs) ?? [""]) send(chunk({ content: piece }));
    finish("stop", 12, reply.length);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
