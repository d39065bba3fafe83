/**
 * A fake model server on loopback that streams as the real providers do: OpenAI chat completions at
 * `/v1/chat/completions` and Anthropic Messages at `/v1/messages`. What it does is chosen by markers in
 * the last user message: `Reply with: X` answers X; `[tool:write]` asks for the write tool, then answers
 * after its result; `[think]` reasons first (Anthropic thinking blocks with a signature, OpenAI
 * `reasoning_content`); `[status:N]` fails with HTTP N (429 with retry-after); `[cut]` drops the stream
 * midway; `[malformed]` sends a broken chunk; `[midstream-error]` sends an Anthropic `error` event after
 * some text; `[slow]` streams for 10 s; `[browse:<url>]` plays the seed's CI turn (OpenAI API): exec, then
 * the browser opens the URL, snapshots, clicks the "Reveal" button by its ref, reads `#result`, and
 * answers with what it read. Requests under `/limited/` always get 429; the key `exhausted`
 * always gets 402, the key `revoked` 401.
 */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from "node:http";

type Content = string | null | { type: string; text?: string; [key: string]: unknown }[];
interface Message {
  role: string;
  content?: Content;
}

export interface FakeModelServer {
  /** Base URL for OpenAI-compatible providers (`…/v1`); Anthropic's SDK takes `baseUrl` without it. */
  readonly url: string;
  readonly anthropicUrl: string;
  readonly requests: {
    api: "openai" | "anthropic";
    model: string;
    messages: Message[];
    tools: unknown[];
    body: Record<string, unknown>;
  }[];
  close(): Promise<void>;
}

type Scenario =
  | { kind: "error"; status: number }
  | { kind: "call"; name: string; args: Record<string, unknown> }
  | { kind: "tool"; thinking?: string }
  | { kind: "cut" | "malformed" | "slow" | "midstream-error" }
  | { kind: "text"; reply: string; thinking?: string };

const SIGNATURE = "fake-signature-0123";

/** The last text of a message (Anthropic merges consecutive user turns into one message's blocks). */
function textOf(content: Content | undefined): string {
  if (typeof content === "string") return content;
  return (content ?? []).findLast((b) => b.type === "text")?.text ?? "";
}

/** The turn's scenario, from the URL, the key and the conversation (in either API's shape). */
function decide(url: string, apiKey: string, messages: Message[]): Scenario {
  const isToolResult = (m: Message) =>
    m.role === "tool" || (Array.isArray(m.content) && m.content.some((b) => b.type === "tool_result"));
  const lastUser = textOf(messages.toReversed().find((m) => m.role === "user" && !isToolResult(m))?.content);
  const afterTool = messages.at(-1) !== undefined && isToolResult(messages.at(-1)!);
  if (url.includes("/limited/")) return { kind: "error", status: 429 };
  if (apiKey === "exhausted") return { kind: "error", status: 402 };
  if (apiKey === "revoked") return { kind: "error", status: 401 };
  const status = /\[status:(\d{3})\]/.exec(lastUser);
  if (status) return { kind: "error", status: Number(status[1]) };
  const thinking = lastUser.includes("[think]") ? "Let me think about this carefully." : undefined;
  if (lastUser.includes("[tool:write]") && !afterTool) return { kind: "tool", ...(thinking ? { thinking } : {}) };
  const browse = /\[browse:(\S+)\]/.exec(lastUser)?.[1];
  if (browse) return browseStep(browse, messages);
  for (const kind of ["cut", "malformed", "slow", "midstream-error"] as const)
    if (lastUser.includes(`[${kind}]`)) return { kind };
  const reply = afterTool ? "done writing" : (/Reply with: (.*)$/m.exec(lastUser)?.[1]?.trim() ?? `ok: ${lastUser}`);
  return { kind: "text", reply, ...(thinking ? { thinking } : {}) };
}

/** The next step of the scripted browser turn, from the tool results so far. */
function browseStep(url: string, messages: Message[]): Scenario {
  const lastUserAt = messages.findLastIndex((m) => m.role === "user");
  const results = messages.slice(lastUserAt + 1).filter((m) => m.role === "tool");
  const last = textOf(results.at(-1)?.content);
  if (results.length > 1 && /^browser \w+ failed/.test(last)) return { kind: "text", reply: `browser error: ${last}` };
  switch (results.length) {
    case 0:
      return { kind: "call", name: "exec", args: { command: "echo exec-ok" } };
    case 1:
      return { kind: "call", name: "browser", args: { action: "open", targetUrl: url } };
    case 2:
      return { kind: "call", name: "browser", args: { action: "snapshot" } };
    case 3: {
      const ref = /button "Reveal" \[ref=(e\d+)\]/.exec(last)?.[1] ?? "e999";
      return { kind: "call", name: "browser", args: { action: "act", kind: "click", ref } };
    }
    case 4:
      return { kind: "call", name: "browser", args: { action: "text", selector: "#result" } };
    default: {
      const seen = /<<<EXTERNAL_UNTRUSTED_CONTENT[^\n]*\n([\s\S]*?)\n<<<END_EXTERNAL/.exec(last)?.[1] ?? last;
      return { kind: "text", reply: `The page says: ${seen.trim()}` };
    }
  }
}

const TOOL_ARGS = ['{"path":"note.txt",', '"content":"hello from the tool"}'];
const pieces = (text: string) => text.match(/.{1,8}/gs) ?? [""];
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function openaiStream(res: ServerResponse, scenario: Scenario): Promise<void> {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    res.write(
      `data: ${JSON.stringify({ id: "chatcmpl-fake", object: "chat.completion.chunk", created: 0, model: "fake", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`,
    );
  const finish = (reason: string, input: number, output: number) => {
    chunk({}, reason);
    res.write(
      `data: ${JSON.stringify({ id: "chatcmpl-fake", object: "chat.completion.chunk", created: 0, model: "fake", choices: [], usage: { prompt_tokens: input, completion_tokens: output, total_tokens: input + output } })}\n\n`,
    );
    res.end("data: [DONE]\n\n");
  };
  chunk({ role: "assistant", content: "" });
  if ((scenario.kind === "text" || scenario.kind === "tool") && scenario.thinking)
    chunk({ reasoning_content: scenario.thinking });
  switch (scenario.kind) {
    case "call":
      chunk({
        tool_calls: [
          {
            index: 0,
            id: `call_${scenario.name}_${Date.now()}`,
            type: "function",
            function: { name: scenario.name, arguments: JSON.stringify(scenario.args) },
          },
        ],
      });
      return finish("tool_calls", 20, 10);
    case "tool":
      chunk({
        tool_calls: [{ index: 0, id: "call_w1", type: "function", function: { name: "write", arguments: "" } }],
      });
      for (const part of TOOL_ARGS) chunk({ tool_calls: [{ index: 0, function: { arguments: part } }] });
      return finish("tool_calls", 20, 10);
    case "cut":
    case "midstream-error":
      chunk({ content: "partial " });
      res.socket?.destroy();
      return;
    case "malformed":
      res.end("data: {not json\n\n");
      return;
    case "slow":
      for (let i = 0; i < 50 && !res.destroyed; i++) {
        chunk({ content: `word${i} ` });
        await pause(200);
      }
      return finish("stop", 10, 50);
    case "text":
      for (const piece of pieces(scenario.reply)) chunk({ content: piece });
      return finish("stop", 12, scenario.reply.length);
    case "error":
      return;
  }
}

async function anthropicStream(res: ServerResponse, scenario: Scenario): Promise<void> {
  const event = (type: string, data: Record<string, unknown>) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  let index = 0;
  const block = (start: Record<string, unknown>, deltas: Record<string, unknown>[]) => {
    event("content_block_start", { index, content_block: start });
    for (const delta of deltas) event("content_block_delta", { index, delta });
    event("content_block_stop", { index });
    index++;
  };
  const finish = (stopReason: string, output: number) => {
    event("message_delta", {
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: output },
    });
    event("message_stop", {});
    res.end();
  };
  event("message_start", {
    message: {
      id: "msg_fake",
      type: "message",
      role: "assistant",
      content: [],
      model: "fake",
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: scenario.kind === "tool" ? 20 : 12, output_tokens: 1 },
    },
  });
  if ((scenario.kind === "text" || scenario.kind === "tool") && scenario.thinking)
    block({ type: "thinking", thinking: "", signature: "" }, [
      { type: "thinking_delta", thinking: scenario.thinking },
      { type: "signature_delta", signature: SIGNATURE },
    ]);
  switch (scenario.kind) {
    case "call":
      block({ type: "tool_use", id: `toolu_${Date.now()}`, name: scenario.name, input: {} }, [
        { type: "input_json_delta", partial_json: JSON.stringify(scenario.args) },
      ]);
      return finish("tool_use", 10);
    case "tool":
      block(
        { type: "tool_use", id: "toolu_w1", name: "write", input: {} },
        TOOL_ARGS.map((part) => ({ type: "input_json_delta", partial_json: part })),
      );
      return finish("tool_use", 10);
    case "cut":
      event("content_block_start", { index, content_block: { type: "text", text: "" } });
      event("content_block_delta", { index, delta: { type: "text_delta", text: "partial " } });
      res.socket?.destroy();
      return;
    case "midstream-error":
      event("content_block_start", { index, content_block: { type: "text", text: "" } });
      event("content_block_delta", { index, delta: { type: "text_delta", text: "partial " } });
      event("error", { error: { type: "overloaded_error", message: "Overloaded" } });
      res.end();
      return;
    case "malformed":
      res.end("event: content_block_delta\ndata: {not json\n\n");
      return;
    case "slow":
      event("content_block_start", { index, content_block: { type: "text", text: "" } });
      for (let i = 0; i < 50 && !res.destroyed; i++) {
        event("content_block_delta", { index, delta: { type: "text_delta", text: `word${i} ` } });
        await pause(200);
      }
      event("content_block_stop", { index });
      return finish("end_turn", 50);
    case "text":
      block(
        { type: "text", text: "" },
        pieces(scenario.reply).map((text) => ({ type: "text_delta", text })),
      );
      return finish("end_turn", scenario.reply.length);
    case "error":
      return;
  }
}

function sendError(res: ServerResponse, api: "openai" | "anthropic", code: number): void {
  const message = code === 402 ? "You exceeded your current quota" : code === 529 ? "Overloaded" : `fake error ${code}`;
  const headers = { "Content-Type": "application/json", ...(code === 429 ? { "retry-after": "1" } : {}) };
  const anthropicType: Record<number, string> = {
    401: "authentication_error",
    402: "billing_error",
    429: "rate_limit_error",
    529: "overloaded_error",
  };
  const payload =
    api === "anthropic"
      ? { type: "error", error: { type: anthropicType[code] ?? "api_error", message } }
      : {
          error:
            code === 402
              ? { message, type: "insufficient_quota", code: "insufficient_quota" }
              : { message, type: "error" },
        };
  res.writeHead(code, headers).end(JSON.stringify(payload));
}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const part of req) text += part;
  return text;
}

export async function startFakeModelServer(): Promise<FakeModelServer> {
  const requests: FakeModelServer["requests"] = [];
  const server: Server = createServer(async (req, res) => {
    const api = req.url?.endsWith("/chat/completions") ? "openai" : req.url?.endsWith("/messages") ? "anthropic" : "";
    if (req.method !== "POST" || !api) {
      res.writeHead(404).end();
      return;
    }
    const request = JSON.parse(await readBody(req)) as Record<string, unknown> & { model: string; messages: Message[] };
    requests.push({
      api,
      model: request.model,
      messages: request.messages,
      tools: (request.tools as unknown[]) ?? [],
      body: request,
    });
    // Anthropic's SDK has sent the key as `x-api-key` and, lately, as a bearer token: both are read.
    const apiKey = String(req.headers["x-api-key"] ?? req.headers.authorization ?? "").replace(/^Bearer /, "");
    const scenario = decide(req.url!, apiKey, request.messages);
    if (scenario.kind === "error") return sendError(res, api, scenario.status);
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" });
    await (api === "anthropic" ? anthropicStream(res, scenario) : openaiStream(res, scenario));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/v1`,
    anthropicUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
