/**
 * Reliability checks as our own tests (issue 10): hostile frames before and after auth, bounded in count
 * and time, with a seeded generator so a failure can be replayed (`RELIABILITY_SEED=<n>`).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { METHOD_SCOPES } from "../../src/protocol/methods.js";
import { GATEWAY_NODE_FLAGS } from "../../src/service/spec.js";
import { startGateway } from "./gateway-harness.js";
import { RawWs } from "./raw-ws.js";

/** mulberry32: small, seedable, good enough to pick frames. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function rssOf(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
}

const METHODS = [...Object.keys(METHOD_SCOPES), "connect", "nope", "__proto__", "constructor", "a".repeat(300)];

/** A random JSON value, bounded in depth and size. */
function randomValue(rand: () => number, depth = 0): unknown {
  const pick = Math.floor(rand() * (depth > 3 ? 6 : 9));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return rand() < 0.5;
    case 2:
      return [0, -1, 1e308, -0, 2 ** 53 + 1, 0.5, 4294967296][Math.floor(rand() * 7)];
    case 3:
      return ["", "x", "\u0000", "../../etc/passwd", "main", "agent:default:main", "%s%n", "\ud800"][
        Math.floor(rand() * 8)
      ];
    case 4:
      return "y".repeat(Math.floor(rand() * 5000));
    case 5:
      return { __proto__: { polluted: true }, constructor: { prototype: { polluted: true } } };
    case 6:
      return Array.from({ length: Math.floor(rand() * 5) }, () => randomValue(rand, depth + 1));
    default: {
      const keys = ["key", "sessionKey", "limit", "cursor", "maxBytes", "raw", "baseHash", "message", "path", "label"];
      return Object.fromEntries(
        Array.from({ length: Math.floor(rand() * 5) }, () => [
          keys[Math.floor(rand() * keys.length)]!,
          randomValue(rand, depth + 1),
        ]),
      );
    }
  }
}

/** One hostile frame: `[opcode, payload]`. Never a config write that could succeed (no baseHash is known). */
function hostileFrame(rand: () => number): [number, Buffer] {
  const valid = () => ({
    type: "req",
    id: String(Math.floor(rand() * 1e6)),
    method: METHODS[Math.floor(rand() * METHODS.length)]!,
    params: randomValue(rand),
  });
  switch (Math.floor(rand() * 9)) {
    case 0: {
      // random text; now and then raw bytes that are not UTF-8 (the socket is then closed with 1007)
      const bytes = Array.from({ length: 1 + Math.floor(rand() * 200) }, () => Math.floor(rand() * 256));
      return [1, rand() < 0.1 ? Buffer.from(bytes) : Buffer.from(String.fromCharCode(...bytes), "utf8")];
    }
    case 1: // binary frame
      return [2, Buffer.from(JSON.stringify(valid()))];
    case 2: {
      // truncated JSON
      const text = JSON.stringify(valid());
      return [1, Buffer.from(text.slice(0, Math.floor(rand() * text.length)))];
    }
    case 3: {
      // deeply nested params
      const depth = 1000 + Math.floor(rand() * 50_000);
      const open = rand() < 0.5 ? "[" : '{"a":';
      const close = open === "[" ? "]" : "}";
      return [
        1,
        Buffer.from(
          `{"type":"req","id":"deep","method":"health","params":${open.repeat(depth)}1${close.repeat(depth)}}`,
        ),
      ];
    }
    case 4: // wrong-typed envelope fields
      return [
        1,
        Buffer.from(
          JSON.stringify({
            type: [randomValue(rand), "req", "res", "event", 1][Math.floor(rand() * 5)],
            id: randomValue(rand),
            method: randomValue(rand),
            params: randomValue(rand),
          }),
        ),
      ];
    case 5: // not an object at all
      return [1, Buffer.from(JSON.stringify(randomValue(rand)))];
    case 6: // control frames with odd payloads
      return [9, Buffer.from("ping")];
    default: // a well-formed request to any method with random params
      return [1, Buffer.from(JSON.stringify(valid()))];
  }
}

test("thousands of hostile frames before and after auth: errors, never a crash, RSS flat, health answers throughout", async (t) => {
  const seed = Number(process.env.RELIABILITY_SEED ?? Date.now() % 1_000_000);
  const rand = prng(seed);
  // Run as the service definitions run it: with Node's default 16 MB semi-spaces the young generation alone
  // grows ~50 MB under this load and the RSS check measures V8's sizing, not our retention.
  const gw = await startGateway({ config: { gateway: { mode: "local" } }, nodeFlags: GATEWAY_NODE_FLAGS });
  const token = gw.token()!;
  const watcher = await gw.client();
  const healthLatencies: number[] = [];
  let healthFailures = 0;
  const watching = { on: true };
  const watch = (async () => {
    while (watching.on) {
      const started = performance.now();
      try {
        await watcher.call("health", {}, 5000);
        healthLatencies.push(performance.now() - started);
      } catch {
        healthFailures++;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  const internal: string[] = [];
  const answers = { ok: 0, error: 0, closes: new Map<number, number>() };
  const openAuthed = () => RawWs.openAuthenticated(gw.port, token);
  const collectInternal = (ws: RawWs) => {
    for (const f of ws.frames.filter((x) => x.opcode === 1)) {
      const text = f.payload.toString();
      if (text.includes('"INTERNAL"')) internal.push(text.slice(0, 300));
      if (text.startsWith('{"type":"res"')) answers[text.includes('"ok":true') ? "ok" : "error"]++;
    }
    ws.frames.length = 0;
    if (ws.closeCode !== undefined) answers.closes.set(ws.closeCode, (answers.closes.get(ws.closeCode) ?? 0) + 1);
  };
  try {
    const rssBefore = rssOf(gw.proc.pid!);
    const deadline = Date.now() + 60_000;

    // Before auth: each socket gets one hostile frame (it is closed after the first bad one). Connect frames
    // with a credential are left out: ten of those would lock out the address, which is the limiter's job.
    let preauth = 0;
    for (let batch = 0; batch < 15 && Date.now() < deadline; batch++) {
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          const ws = await RawWs.open(gw.port);
          await ws.waitFor(() => ws.messages().length > 0);
          const [opcode, payload] = hostileFrame(rand);
          ws.sendFrame(opcode, payload);
          await ws.waitForClose(opcode === 9 ? 200 : 3000);
          collectInternal(ws);
          ws.destroy();
          preauth++;
        }),
      );
    }

    // After auth: bursts on authenticated sockets, replaced whenever the gateway closes one.
    let postauth = 0;
    let ws = await openAuthed();
    while (postauth < 3000 && Date.now() < deadline) {
      for (let i = 0; i < 50; i++) {
        const [opcode, payload] = hostileFrame(rand);
        ws.sendFrame(opcode, payload);
        postauth++;
      }
      await ws.waitFor(() => false, 30); // let answers arrive
      collectInternal(ws);
      if (ws.ended || ws.closeCode !== undefined) {
        ws.destroy();
        ws = await openAuthed();
      }
    }
    // Two frames over the 25 MiB post-auth limit: closed with 1009, nothing buffered.
    for (let i = 0; i < 2; i++) {
      ws.sendFrame(1, Buffer.alloc(26 * 1024 * 1024, 0x20));
      const closed = await ws.waitForClose(10_000);
      assert.equal(closed.code, 1009, "oversized frame refused");
      collectInternal(ws);
      ws.destroy();
      ws = await openAuthed();
    }
    collectInternal(ws);
    ws.destroy();

    watching.on = false;
    await watch;
    t.diagnostic(
      `seed ${seed}: ${preauth} sockets before auth, ${postauth} frames after; answers ok ${answers.ok}, error ${answers.error}; closes ${JSON.stringify([...answers.closes])}`,
    );
    assert.ok(answers.error > 1000, "the gateway answered the bad frames with errors");
    assert.equal(gw.proc.exitCode, null, `the gateway is alive (seed ${seed})`);
    assert.ok(preauth >= 200 && postauth >= 1000, `frames sent: ${preauth} before auth, ${postauth} after`);
    assert.equal(healthFailures, 0, `health failed ${healthFailures} times during the run (seed ${seed})`);
    const sorted = healthLatencies.toSorted((a, b) => a - b);
    const p99 = sorted[Math.floor(sorted.length * 0.99)] ?? 0;
    assert.ok(p99 < 500, `health p99 during the run: ${Math.round(p99)} ms (seed ${seed})`);
    assert.deepEqual(internal, [], `INTERNAL errors mean a handler threw (seed ${seed})`);
    await new Promise((r) => setTimeout(r, 500));
    const growth = rssOf(gw.proc.pid!) - rssBefore;
    t.diagnostic(`RSS growth ${Math.round(growth / 1048576)} MB`);
    assert.ok(growth < 64 * 1024 * 1024, `RSS grew by ${Math.round(growth / 1048576)} MB (seed ${seed})`);
    assert.equal(((await watcher.call("health")) as { ok: boolean }).ok, true);
    assert.doesNotMatch(gw.output(), /uncaught|unhandled/i, `seed ${seed}`);
  } finally {
    watching.on = false;
    await watch;
    await watcher.close();
    await gw.stop();
    gw.home.cleanup();
  }
});

test("kill -9 of the gateway at random points during agent turns, 20 rounds: transcripts parse, no completed turn is lost", async (t) => {
  const { startFakeModelServer } = await import("./fake-model-server.js");
  const { freePort } = await import("./gateway-harness.js");
  const { existsSync, readdirSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { randomUUID } = await import("node:crypto");
  const seed = Number(process.env.RELIABILITY_SEED ?? Date.now() % 1_000_000);
  const rand = prng(seed);
  const model = await startFakeModelServer();
  const port = await freePort();
  const config = {
    gateway: { mode: "local", port },
    models: { providers: { fake: { baseUrl: model.url, api: "openai-completions", apiKey: "test-key" } } },
    agents: { defaults: { model: "fake/test-model" } },
  };
  let gw = await startGateway({ port, config });
  const home = gw.home;
  const sessionsDir = join(gw.stateDir, "agents", "default", "sessions");
  const completed: { session: string; sent: string; reply: string }[] = [];
  let torn = 0;
  const deadline = Date.now() + 90_000;
  try {
    for (let round = 0; round < 20 && Date.now() < deadline; round++) {
      const client = await gw.client();
      // Turns on three sessions at once; some use a tool, so a turn appends several lines.
      const turns = ["main", "web-a", "web-b"].flatMap((session) =>
        Array.from({ length: 2 }, (_, i) => {
          const sent = `round ${round} turn ${i} ${session}${rand() < 0.3 ? " [tool:write]" : ""}`;
          const reply = sent.includes("[tool:write]") ? "done writing" : `r${round}-${i}-${session}`;
          const message = sent.includes("[tool:write]") ? sent : `${sent}\nReply with: ${reply}`;
          return client
            .call("agent", { message, sessionKey: session, idempotencyKey: randomUUID() }, 20_000, {
              expectFinal: true,
            })
            .then(() => completed.push({ session, sent, reply }))
            .catch(() => undefined); // cut off by the kill
        }),
      );
      // Every fourth round the kill comes only after a turn completed, so the check below is never vacuous
      // whatever the random delays (bounded by the turn timeout).
      const before = completed.length;
      if (round % 4 === 3)
        for (let waited = 0; completed.length === before && waited < 20_000; waited += 10)
          await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, Math.floor(rand() * 120)));
      gw.proc.kill("SIGKILL");
      await gw.exited();
      await Promise.all(turns);
      await client.close();
      gw = await startGateway({ home, port });
      // Every transcript, after the restart and a read through chat.history (which repairs a torn tail).
      const reader = await gw.client();
      for (const session of ["main", "web-a", "web-b"])
        await reader.call("chat.history", { sessionKey: session, limit: 1 }).catch(() => undefined);
      // A kill before the first line of the first turn leaves no transcript yet: nothing to check then.
      const names = existsSync(sessionsDir) ? readdirSync(sessionsDir) : [];
      for (const name of names.filter((n) => /^[^.]+\.jsonl$/.test(n))) {
        const text = readFileSync(join(sessionsDir, name), "utf8");
        for (const line of text.split("\n").filter(Boolean)) JSON.parse(line);
        if (existsSync(join(sessionsDir, `${name}.corrupt`))) torn++;
      }
      await reader.close();
    }
    const all = readdirSync(sessionsDir)
      .filter((n) => /^[^.]+\.jsonl$/.test(n))
      .map((n) => readFileSync(join(sessionsDir, n), "utf8"))
      .join("\n");
    for (const turn of completed) {
      const text = all;
      assert.ok(text.includes(turn.sent), `the user message of a completed turn is kept: ${turn.sent}`);
      assert.ok(text.includes(turn.reply), `and its reply: ${turn.reply}`);
    }
    t.diagnostic(
      `seed ${seed}: ${completed.length} turns completed before a kill; transcripts with a torn tail set aside: ${torn}`,
    );
    assert.ok(completed.length >= 5, `some turns completed (${completed.length})`);
  } finally {
    await gw.stop();
    await model.close();
    home.cleanup();
  }
});
