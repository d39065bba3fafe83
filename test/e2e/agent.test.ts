import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { startFakeModelServer, type FakeModelServer } from "./fake-model-server.js";
import { freePort, startGateway, type RunningGateway } from "./gateway-harness.js";
import { BIN } from "./harness.js";

let model: FakeModelServer;
before(async () => {
  model = await startFakeModelServer();
});
after(async () => {
  await model.close();
});

const configFor = (port: number, extra: Record<string, unknown> = {}) => ({
  gateway: { mode: "local", port },
  models: { providers: { fake: { baseUrl: model.url, api: "openai-completions", apiKey: "test-key" } } },
  agents: { defaults: { model: "fake/test-model" } },
  ...extra,
});

async function withGateway<T>(fn: (gw: RunningGateway) => Promise<T>, extra: Record<string, unknown> = {}): Promise<T> {
  const port = await freePort();
  const gw = await startGateway({ port, config: configFor(port, extra) });
  try {
    return await fn(gw);
  } finally {
    await gw.stop();
    gw.home.cleanup();
  }
}

test("the seed's post-deployment smoke script passes against a gateway with a model server", async () => {
  await withGateway(async (gw) => {
    const bin = join(gw.home.dir, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "openclaw"), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(join(bin, "openclaw"), 0o755);
    const script = fileURLToPath(new URL("./smoke/post-deploy-smoke.sh", import.meta.url));
    // Not spawnSync: the fake model server lives in this process and must keep answering.
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn("bash", [script], { env: { PATH: `${bin}:${process.env.PATH}`, HOME: gw.home.dir } });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
      child.on("close", (status) => {
        clearTimeout(timer);
        resolve({ status, stdout, stderr });
      });
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /すべてのチェックが合格しました/);
    const last = JSON.parse(
      readFileSync(join(gw.stateDir, "agents", "default", "sessions", "main.jsonl"), "utf8")
        .trim()
        .split("\n")
        .at(-1)!,
    ) as { role: string; message: { content: { text: string }[] } };
    assert.equal(last.role, "assistant");
    assert.equal(last.message.content[0]!.text, "deployment test passed");
  });
});

test("agent --json through the gateway, a tool loop, history and sessions", async () => {
  await withGateway(async (gw) => {
    const run = (...args: string[]) => gw.home.run(args, { timeoutMs: 60_000 });
    const json = await run("agent", "--message", "Reply with: hello there", "--json");
    assert.equal(json.code, 0, json.stderr);
    const result = JSON.parse(json.stdout) as {
      result: { payloads: { text: string }[]; stats: { durationMs: number; tokensIn: number; tokensOut: number } };
    };
    assert.equal(result.result.payloads[0]!.text, "hello there");
    assert.equal(result.result.stats.tokensIn, 12);

    const tool = await run("agent", "--message", "please [tool:write]");
    assert.equal(tool.code, 0, tool.stderr);
    assert.match(tool.stdout, /done writing/);
    const workspace = join(gw.home.dir, ".openclaw", "workspace");
    assert.equal(readFileSync(join(workspace, "note.txt"), "utf8"), "hello from the tool");
    assert.ok(existsSync(join(workspace, "AGENTS.md")), "bootstrap files are created");

    const shown = await run("sessions", "show", "main");
    assert.match(shown.stdout, /\[tool write\] \{"path":"note\.txt"/);
    assert.match(shown.stdout, /\[write result\] wrote 19 bytes/);
    const list = JSON.parse((await run("sessions", "--json")).stdout) as {
      sessions: { key: string; totalTokens: number }[];
    };
    assert.equal(list.sessions[0]!.key, "main");
    assert.ok(list.sessions[0]!.totalTokens > 0);
    const client = await gw.client();
    const history = (await client.call("chat.history", { sessionKey: "agent:default:main" })) as {
      messages: { role: string }[];
    };
    assert.deepEqual(
      history.messages.map((m) => m.role),
      ["user", "assistant", "user", "assistant", "toolResult", "assistant"],
    );
    await client.close();
  });
});

test("provider failures are classified with the next step; no model fails fast with the commands", async () => {
  await withGateway(async (gw) => {
    const run = (...args: string[]) => gw.home.run(args, { timeoutMs: 60_000 });
    const cases: [string, RegExp][] = [
      ["[status:401]", /HTTP 401.*\n.*API key was refused/],
      ["[status:402]", /quota.*\n.*no credit or quota/],
      ["[status:429]", /HTTP 429.*\n.*rate-limiting/],
      ["[status:529]", /HTTP 529.*\n.*overloaded/],
      ["[cut]", /could not be reached|terminated|network/i],
      ["[malformed]", /failed/i],
    ];
    for (const [marker, expected] of cases) {
      const r = await run("agent", "--message", `go ${marker}`);
      assert.equal(r.code, 1, `${marker}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, expected, marker);
    }
    const transcript = readFileSync(join(gw.stateDir, "agents", "default", "sessions", "main.jsonl"), "utf8");
    assert.match(transcript, /"stopReason":"error"/, "failures are recorded in the transcript");
  });
  const home = await startGateway({ config: { gateway: { mode: "local" } } });
  try {
    const r = await home.home.run(["agent", "--message", "hi"]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /no model is configured\nConfigure one of:\n {2}openclaw config set agents\.defaults\.model/,
    );
  } finally {
    await home.stop();
    home.home.cleanup();
  }
});

test("a slow stream is aborted by the user: chat.abort ends it, the partial answer is kept", async () => {
  await withGateway(async (gw) => {
    const client = await gw.client();
    const events: { state?: string; runId?: string }[] = [];
    client.onEvent((e) => e.event === "chat" && events.push(e.payload as { state?: string }));
    const final = client.call<{ status: string }>(
      "agent",
      { message: "story [slow]", idempotencyKey: "run-slow", sessionKey: "main" },
      30_000,
      { expectFinal: true },
    );
    const deadline = Date.now() + 10_000;
    while (!events.some((e) => e.state === "delta") && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const aborted = (await client.call("chat.abort", { sessionKey: "main", runId: "run-slow" })) as {
      aborted: boolean;
      runIds: string[];
    };
    assert.deepEqual(aborted, { ok: true, aborted: true, runIds: ["run-slow"] });
    assert.equal((await final).status, "aborted");
    assert.ok(events.some((e) => e.state === "aborted"));
    const transcript = readFileSync(join(gw.stateDir, "agents", "default", "sessions", "main.jsonl"), "utf8")
      .trim()
      .split("\n");
    const last = JSON.parse(transcript.at(-1)!) as { message: { stopReason: string; content: { text: string }[] } };
    assert.equal(last.message.stopReason, "aborted");
    assert.match(last.message.content[0]!.text, /^word0 /);
    const again = (await client.call("agent", { message: "story [slow]", idempotencyKey: "run-slow" }, 5000)) as {
      duplicate?: boolean;
    };
    assert.equal(again.duplicate, true, "the same idempotency key returns the same run");
    await client.close();
  });
});

test("rate limit and billing errors fall back to the next model, and the transcript says so", async () => {
  await withGateway(
    async (gw) => {
      const r = await gw.home.run(["agent", "--message", "Reply with: fallback worked", "--json"], {
        timeoutMs: 60_000,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        (JSON.parse(r.stdout) as { result: { payloads: { text: string }[] } }).result.payloads[0]!.text,
        "fallback worked",
      );
      const transcript = readFileSync(join(gw.stateDir, "agents", "default", "sessions", "main.jsonl"), "utf8");
      assert.match(
        transcript,
        /"type":"model_fallback".*"from":"limited\/m".*"to":"fake\/test-model".*"reason":"rate_limit"/,
      );
    },
    {
      models: {
        providers: {
          fake: { baseUrl: model.url, api: "openai-completions", apiKey: "test-key" },
          limited: { baseUrl: `${model.url.replace("/v1", "")}/limited/v1`, api: "openai-completions", apiKey: "k" },
        },
      },
      agents: { defaults: { model: { primary: "limited/m", fallbacks: ["fake/test-model"] } } },
    },
  );
});

test("auth profiles: a key without quota cools down and the next profile answers", async () => {
  await withGateway(
    async (gw) => {
      const credentials = join(gw.stateDir, "credentials");
      mkdirSync(credentials, { recursive: true, mode: 0o700 });
      writeFileSync(
        join(credentials, "auth-profiles.json"),
        JSON.stringify({
          profiles: {
            "fake:one": { provider: "fake", apiKey: "exhausted" },
            "fake:two": { provider: "fake", apiKey: "good" },
          },
          order: { fake: ["fake:one", "fake:two"] },
        }),
        { mode: 0o600 },
      );
      const r = await gw.home.run(["agent", "--message", "Reply with: second key", "--json"], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        (JSON.parse(r.stdout) as { result: { payloads: { text: string }[] } }).result.payloads[0]!.text,
        "second key",
      );
      const transcript = readFileSync(join(gw.stateDir, "agents", "default", "sessions", "main.jsonl"), "utf8");
      assert.match(
        transcript,
        /"fromCredential":"profile:fake:one","toCredential":"profile:fake:two","reason":"billing"/,
      );
      assert.doesNotMatch(transcript, /exhausted|"good"/, "keys never reach the transcript");
    },
    { models: { providers: { fake: { baseUrl: model.url, api: "openai-completions" } } } },
  );
});

test("a gateway killed with -9 mid-run loses nothing written before; the session continues", async () => {
  const port = await freePort();
  const gw = await startGateway({ port, config: configFor(port) });
  try {
    const first = await gw.home.run(["agent", "--message", "Reply with: before the crash"], { timeoutMs: 60_000 });
    assert.equal(first.code, 0, first.stderr);
    const slow = gw.home.run(["agent", "--message", "tell a long story [slow]"], { timeoutMs: 60_000 });
    const transcript = join(gw.stateDir, "agents", "default", "sessions", "main.jsonl");
    const deadline = Date.now() + 10_000;
    while (!readFileSync(transcript, "utf8").includes("[slow]") && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 400));
    gw.proc.kill("SIGKILL");
    await gw.exited();
    await slow;
    const again = await startGateway({ home: gw.home, port, config: undefined });
    try {
      const next = await again.home.run(["agent", "--message", "Reply with: after the crash", "--json"], {
        timeoutMs: 60_000,
      });
      assert.equal(next.code, 0, next.stderr);
      const shown = await again.home.run(["sessions", "show", "main"]);
      for (const text of ["before the crash", "tell a long story [slow]", "after the crash"])
        assert.ok(shown.stdout.includes(text), `${text} is in the transcript`);
      const lines = readFileSync(transcript, "utf8").trim().split("\n");
      for (const line of lines) JSON.parse(line);
    } finally {
      await again.stop();
    }
  } finally {
    gw.home.cleanup();
  }
});

test("a label set with sessions.patch survives the next run (runs and methods share one session index)", async () => {
  await withGateway(async (gw) => {
    const client = await gw.client();
    try {
      const first = await client.call<{ status: string }>(
        "agent",
        { message: "Reply with: one", idempotencyKey: "label-1", sessionKey: "main" },
        30_000,
        { expectFinal: true },
      );
      assert.equal(first.status, "ok");
      await client.call("sessions.patch", { key: "main", label: "kept" });
      const second = await client.call<{ status: string }>(
        "agent",
        { message: "Reply with: two", idempotencyKey: "label-2", sessionKey: "main" },
        30_000,
        { expectFinal: true },
      );
      assert.equal(second.status, "ok");
      const list = await client.call<{ sessions: { key: string; label?: string; totalTokens?: number }[] }>(
        "sessions.list",
        {},
      );
      const main = list.sessions.find((s) => s.key.endsWith("main"));
      assert.equal(main?.label, "kept");
      // And on disk, once the write-behind has run (waited for, bounded, rather than a fixed pause).
      const file = join(gw.stateDir, "agents", "default", "sessions", "sessions.json");
      type Index = Record<string, { label?: string; totalTokens?: number }>;
      const read = (): Index | undefined => {
        try {
          return JSON.parse(readFileSync(file, "utf8")) as Index;
        } catch {
          return undefined; // not written yet
        }
      };
      const deadline = Date.now() + 10_000;
      let index = read();
      while (!(index?.main?.label === "kept" && (index.main.totalTokens ?? 0) > 0) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        index = read();
      }
      assert.equal(index?.main?.label, "kept");
      assert.ok((index?.main?.totalTokens ?? 0) > 0);
    } finally {
      await client.close();
    }
  });
});

test("agent --local runs in-process, and is refused while this profile's gateway is running", async () => {
  const port = await freePort();
  const gw = await startGateway({ port, config: configFor(port) });
  try {
    const refused = await gw.home.run(["agent", "--local", "--message", "Reply with: no"], { timeoutMs: 30_000 });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /a gateway \(pid \d+\) is running for profile default: --local would write/);
    assert.match(refused.stderr, /Run without --local/);
  } finally {
    await gw.stop();
  }
  try {
    const local = await gw.home.run(["agent", "--local", "--json", "--message", "Reply with: in process"], {
      timeoutMs: 60_000,
    });
    assert.equal(local.code, 0, local.stderr);
    assert.equal(
      (JSON.parse(local.stdout) as { result: { payloads: { text: string }[] } }).result.payloads[0]!.text,
      "in process",
    );
    const index = JSON.parse(
      readFileSync(join(gw.stateDir, "agents", "default", "sessions", "sessions.json"), "utf8"),
    ) as Record<string, { totalTokens?: number }>;
    assert.ok((index.main?.totalTokens ?? 0) > 0, "the write-behind index is on disk when the command exits");
  } finally {
    gw.home.cleanup();
  }
});
