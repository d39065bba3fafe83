import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { startFakeModelServer, type FakeModelServer } from "./fake-model-server.js";
import { freePort, startGateway, type RunningGateway } from "./gateway-harness.js";

let model: FakeModelServer;
before(async () => {
  model = await startFakeModelServer();
});
after(async () => {
  await model.close();
});

async function withGateway<T>(fn: (gw: RunningGateway) => Promise<T>, baseUrl = model.anthropicUrl): Promise<T> {
  const port = await freePort();
  const gw = await startGateway({
    port,
    config: {
      gateway: { mode: "local", port },
      models: { providers: { claude: { baseUrl, api: "anthropic-messages", apiKey: "test-key" } } },
      agents: { defaults: { model: "claude/claude-test" } },
    },
  });
  try {
    return await fn(gw);
  } finally {
    await gw.stop();
    gw.home.cleanup();
  }
}

type Block = { type: string; [key: string]: unknown };
const anthropicRequests = () => model.requests.filter((r) => r.api === "anthropic");

test("Anthropic Messages: streamed answer, thinking levels as budgets, the system prompt apart", async () => {
  await withGateway(async (gw) => {
    const run = (...args: string[]) => gw.home.run(args, { timeoutMs: 60_000 });
    const sent = anthropicRequests().length;
    const r = await run("agent", "--message", "Reply with: hello from claude", "--thinking", "low", "--json");
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { result: { payloads: { text: string }[]; stats: { tokensIn: number } } };
    assert.equal(out.result.payloads[0]!.text, "hello from claude");
    assert.equal(out.result.stats.tokensIn, 12);
    const request = anthropicRequests()[sent]!;
    assert.equal(request.model, "claude-test");
    assert.deepEqual(request.body.thinking, { type: "enabled", budget_tokens: 4096 });
    assert.equal(request.body.max_tokens, 4096 + 8192);
    assert.match(String(request.body.system), /AGENTS\.md|workspace/i, "the system prompt is a top-level field");
    assert.ok(
      request.messages.every((m) => m.role === "user" || m.role === "assistant"),
      "no system role in messages",
    );

    const off = await run("agent", "--message", "Reply with: plain", "--thinking", "off");
    assert.equal(off.code, 0, off.stderr);
    assert.equal(anthropicRequests().at(-1)!.body.thinking, undefined, "thinking off sends no thinking");
  });
});

test("Anthropic tool loop with thinking: signed thinking and tool_use go back with the tool_result", async () => {
  await withGateway(async (gw) => {
    const run = (...args: string[]) => gw.home.run(args, { timeoutMs: 60_000 });
    const sent = anthropicRequests().length;
    const r = await run("agent", "--message", "[think] please [tool:write]", "--thinking", "medium");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /done writing/);
    assert.equal(readFileSync(join(gw.home.dir, ".openclaw", "workspace", "note.txt"), "utf8"), "hello from the tool");

    const second = anthropicRequests()[sent + 1]!;
    const [assistant, toolTurn] = second.messages.slice(-2) as { role: string; content: Block[] }[];
    assert.equal(assistant!.role, "assistant");
    assert.deepEqual(
      assistant!.content.map((b) => b.type),
      ["thinking", "tool_use"],
    );
    assert.equal(assistant!.content[0]!.signature, "fake-signature-0123");
    assert.deepEqual(assistant!.content[1]!.input, { path: "note.txt", content: "hello from the tool" });
    assert.equal(toolTurn!.role, "user");
    assert.equal(toolTurn!.content[0]!.type, "tool_result");
    assert.equal(toolTurn!.content[0]!.tool_use_id, "toolu_w1");

    const transcript = readFileSync(join(gw.stateDir, "agents", "default", "sessions", "main.jsonl"), "utf8");
    assert.match(
      transcript,
      /"type":"thinking","thinking":"Let me think[^"]*","thinkingSignature":"fake-signature-0123"/,
    );

    // The next turn rebuilds the history from the transcript on disk, signature included.
    const next = await run("agent", "--message", "Reply with: again", "--thinking", "medium");
    assert.equal(next.code, 0, next.stderr);
    const replayed = anthropicRequests().at(-1)!.messages as { role: string; content: Block[] }[];
    assert.ok(
      replayed.some((m) => m.content.some((b) => b.type === "thinking" && b.signature === "fake-signature-0123")),
    );
    const shown = await run("sessions", "show", "main");
    assert.match(shown.stdout, /\[thinking\] Let me think/);
  });
});

test("Anthropic errors are classified, mid-stream ones included; a base URL with /v1 is accepted", async () => {
  await withGateway(async (gw) => {
    const run = (...args: string[]) => gw.home.run(args, { timeoutMs: 60_000 });
    const cases: [string, RegExp][] = [
      ["[status:401]", /HTTP 401.*\n.*API key was refused/],
      ["[status:429]", /HTTP 429.*\n.*rate-limiting/],
      ["[status:529]", /HTTP 529.*\n.*overloaded/],
      ["[midstream-error]", /overloaded/i],
      ["[cut]", /could not be reached|terminated|network/i],
      ["[malformed]", /failed|JSON/i],
    ];
    for (const [marker, expected] of cases) {
      const r = await run("agent", "--message", `go ${marker}`, "--thinking", "off");
      assert.equal(r.code, 1, `${marker}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, expected, marker);
    }
    const transcript = readFileSync(join(gw.stateDir, "agents", "default", "sessions", "main.jsonl"), "utf8");
    assert.match(transcript, /"text":"partial ".*"stopReason":"error"/, "text before a mid-stream error is kept");
  });
  await withGateway(async (gw) => {
    const r = await gw.home.run(["agent", "--message", "Reply with: v1 ok"], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /v1 ok/);
  }, `${model.anthropicUrl}/v1`);
});
