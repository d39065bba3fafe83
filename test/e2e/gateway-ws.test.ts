import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { GatewayCallError } from "../../src/client/gateway-client.js";
import { startGateway, type RunningGateway } from "./gateway-harness.js";
import { RawWs } from "./raw-ws.js";

let gw: RunningGateway;
before(async () => {
  gw = await startGateway({
    config: { gateway: { mode: "local", controlUi: { allowedOrigins: ["https://ui.example"] } } },
    env: { OPENCLAW_TICK_INTERVAL_MS: "300", OPENCLAW_HANDSHAKE_TIMEOUT_MS: "1000" },
  });
});
after(async () => {
  await gw.stop();
  gw.home.cleanup();
});

const METHODS = [
  "health",
  "status",
  "system-presence",
  "metrics",
  "models.list",
  "node.pluginSurface.refresh",
  "config.get",
  "config.set",
  "config.patch",
  "config.apply",
  "config.schema",
  "logs.tail",
  "agent",
  "agent.wait",
  "chat.send",
  "chat.history",
  "chat.startup",
  "sessions.messages.subscribe",
  "sessions.messages.unsubscribe",
  "chat.abort",
  "sessions.list",
  "sessions.patch",
  "sessions.reset",
  "sessions.delete",
  "channels.status",
  "channels.start",
  "channels.stop",
  "channels.logout",
  "web.login.start",
  "web.login.wait",
  "send",
  "device.pair.list",
  "device.pair.approve",
  "device.pair.reject",
  "device.pair.remove",
  "device.token.rotate",
  "device.token.revoke",
  "browser.request",
];

/** Connects raw and returns the socket after the challenge arrived. */
async function rawConnected(options: { origin?: string } = {}): Promise<RawWs> {
  const ws = await RawWs.open(gw.port, options);
  assert.ok(await ws.waitFor(() => ws.messages().length > 0), "challenge received");
  return ws;
}

test("the server speaks first with connect.challenge, then answers connect with hello-ok (v4)", async () => {
  const ws = await rawConnected();
  const [challenge] = ws.messages();
  assert.equal(challenge!.type, "event");
  assert.equal(challenge!.event, "connect.challenge");
  assert.equal(challenge!.seq, undefined, "a targeted event carries no seq");
  const payload = challenge!.payload as { nonce: string; ts: number };
  assert.match(payload.nonce, /^[0-9a-f-]{36}$/);
  assert.ok(Math.abs(payload.ts - Date.now()) < 10_000);
  ws.sendJson({
    type: "req",
    id: "c1",
    method: "connect",
    params: {
      minProtocol: 4,
      maxProtocol: 4,
      client: { id: "cli", version: "2026.9.6", platform: "linux", mode: "cli" },
      role: "operator",
      scopes: ["operator.admin"],
      auth: { token: gw.token() },
    },
  });
  assert.ok(await ws.waitFor(() => ws.messages().some((m) => m.type === "res")));
  const res = ws.messages().find((m) => m.type === "res") as { id: string; ok: boolean; payload: Record<string, any> }; // oxlint-disable-line typescript/no-explicit-any -- test inspects a JSON tree
  assert.equal(res.id, "c1");
  assert.equal(res.ok, true);
  const hello = res.payload;
  assert.equal(hello.type, "hello-ok");
  assert.equal(hello.protocol, 4);
  assert.deepEqual(hello.features.methods, METHODS);
  assert.deepEqual(hello.features.events, [
    "connect.challenge",
    "tick",
    "presence",
    "health",
    "shutdown",
    "config.changed",
    "agent",
    "chat",
    "device.pair.requested",
    "device.pair.resolved",
  ]);
  assert.deepEqual(hello.policy, { maxPayload: 26214400, maxBufferedBytes: 52428800, tickIntervalMs: 300 });
  assert.deepEqual(hello.auth, { method: "token", role: "operator", scopes: ["operator.admin"] });
  assert.equal(hello.snapshot.presence[0].mode, "gateway");
  assert.equal(hello.snapshot.configPath, gw.configPath);
  assert.match(hello.server.connId, /^[0-9a-f-]{36}$/);
  ws.destroy();
});

test("a v3 client gets protocol 3 without v4-only keys; the seed's simple form works with a numeric id", async () => {
  const v3 = await gw.client({ minProtocol: 3, maxProtocol: 3 });
  assert.equal(v3.hello!.protocol, 3);
  assert.equal("auth" in v3.hello!, false);
  assert.equal(((await v3.call("health")) as { ok: boolean }).ok, true);
  await v3.close();

  const ws = await rawConnected();
  ws.sendJson({
    type: "req",
    id: 1,
    method: "connect",
    params: { auth: { token: gw.token() }, clientName: "cli", clientVersion: "2026.1.29" },
  });
  assert.ok(await ws.waitFor(() => ws.messages().some((m) => m.type === "res")));
  const res = ws.messages().find((m) => m.type === "res")!;
  assert.equal(res.id, 1);
  assert.equal(res.ok, true);
  assert.equal((res.payload as { type: string }).type, "hello-ok");
  ws.sendJson({ type: "req", id: 2, method: "health" });
  assert.ok(await ws.waitFor(() => ws.messages().some((m) => m.id === 2)));
  assert.equal(ws.messages().find((m) => m.id === 2)!.ok, true);
  ws.destroy();
});

test("a protocol the server cannot speak is refused with the reference's details and close 1002", async () => {
  const ws = await rawConnected();
  ws.sendJson({
    type: "req",
    id: "x",
    method: "connect",
    params: { minProtocol: 5, maxProtocol: 6, auth: { token: gw.token() } },
  });
  const close = await ws.waitForClose();
  assert.equal(close.code, 1002);
  assert.equal(close.reason, "protocol mismatch");
  const res = ws.messages().find((m) => m.type === "res") as {
    error: { code: string; message: string; details: Record<string, unknown> };
  };
  assert.equal(res.error.code, "INVALID_REQUEST");
  assert.deepEqual(res.error.details, {
    code: "PROTOCOL_MISMATCH",
    clientMinProtocol: 5,
    clientMaxProtocol: 6,
    expectedProtocol: 4,
    minimumProbeProtocol: 3,
  });
});

test("a wrong or missing token gets AUTH_FAILED with the detail code, then close 1008", async () => {
  for (const [auth, detail] of [
    [{ token: "wrong" }, "AUTH_TOKEN_MISMATCH"],
    [undefined, "AUTH_TOKEN_MISSING"],
  ] as const) {
    const ws = await rawConnected();
    ws.sendJson({
      type: "req",
      id: "a",
      method: "connect",
      params: { minProtocol: 4, maxProtocol: 4, ...(auth ? { auth } : {}) },
    });
    const close = await ws.waitForClose();
    assert.equal(close.code, 1008);
    const res = ws.messages().find((m) => m.type === "res") as {
      ok: boolean;
      error: { code: string; details: { code: string } };
    };
    assert.equal(res.ok, false);
    assert.equal(res.error.code, "AUTH_FAILED");
    assert.equal(res.error.details.code, detail);
  }
  await assert.rejects(
    gw.client({ token: "nope" }),
    (e: unknown) => e instanceof GatewayCallError && e.code === "AUTH_FAILED",
  );
});

test("browser origins: foreign refused before any frame, own origin and allowed origins accepted", async () => {
  await assert.rejects(RawWs.open(gw.port, { origin: "https://evil.example" }), /403 Forbidden.*origin not allowed/);
  for (const origin of ["https://ui.example", `http://127.0.0.1:${gw.port}`]) {
    const ws = await rawConnected({ origin });
    ws.destroy();
  }
  await assert.rejects(
    RawWs.open(gw.port, { origin: `http://localhost:${gw.port}`, host: `127.0.0.1:${gw.port}` }),
    /403/,
  );
});

test("no connect within the handshake timeout closes the socket (1000) at the timeout", async () => {
  const started = Date.now();
  const ws = await rawConnected();
  const close = await ws.waitForClose(5000);
  const elapsed = Date.now() - started;
  assert.equal(close.code, 1000);
  // OPENCLAW_HANDSHAKE_TIMEOUT_MS is 1000 here: not before it, and not long after.
  assert.ok(elapsed >= 950 && elapsed < 1500, `closed after ${elapsed} ms`);
});

test("a first frame that is not connect, or not JSON, closes with 1008", async () => {
  const ws = await rawConnected();
  ws.sendJson({ type: "req", id: "h", method: "health" });
  assert.equal((await ws.waitForClose()).code, 1008);
  const res = ws.messages().find((m) => m.type === "res") as { error: { message: string } };
  assert.equal(res.error.message, "invalid handshake: first request must be connect");
  const bad = await rawConnected();
  bad.sendText("{nope");
  assert.equal((await bad.waitForClose()).code, 1008);
});

test("a frame over 64 KiB before auth is refused with 1009", async () => {
  const ws = await rawConnected();
  ws.sendText(JSON.stringify({ type: "req", id: "big", method: "connect", params: { pad: "x".repeat(100 * 1024) } }));
  const close = await ws.waitForClose();
  assert.equal(close.code, 1009);
  assert.equal(close.reason, "preauth payload too large");
});

test("after auth, malformed frames, unknown methods and bad params get errors and the connection keeps working", async () => {
  const client = await gw.client();
  const ws = await rawConnected();
  ws.sendJson({
    type: "req",
    id: "c",
    method: "connect",
    params: { minProtocol: 4, maxProtocol: 4, auth: { token: gw.token() } },
  });
  assert.ok(await ws.waitFor(() => ws.messages().some((m) => m.id === "c")));
  ws.sendText("{not json");
  ws.sendFrame(2, Buffer.from([1, 2, 3]));
  ws.sendJson({ type: "event", id: "e1" });
  assert.ok(await ws.waitFor(() => ws.messages().filter((m) => m.type === "res" && m.ok === false).length >= 3));
  const errors = ws.messages().filter((m) => m.type === "res" && m.ok === false) as {
    id: string;
    error: { code: string; message: string };
  }[];
  assert.deepEqual(
    errors.map((e) => [e.id, e.error.code]),
    [
      ["invalid", "INVALID_REQUEST"],
      ["invalid", "INVALID_REQUEST"],
      ["e1", "INVALID_REQUEST"],
    ],
  );
  assert.match(errors[0]!.error.message, /^invalid request frame: malformed JSON/);
  ws.destroy();

  await assert.rejects(
    client.call("no.such.method"),
    (e: unknown) =>
      e instanceof GatewayCallError && e.code === "INVALID_REQUEST" && e.message === "unknown method: no.such.method",
  );
  await assert.rejects(
    client.call("logs.tail", { limit: "lots" }),
    (e: unknown) => e instanceof GatewayCallError && e.message.startsWith("invalid logs.tail params: limit"),
  );
  await assert.rejects(client.call("status", { extra: 1 }), /invalid status params/);
  assert.equal(((await client.call("health")) as { ok: boolean }).ok, true);
  await client.close();
});

test("scopes are enforced: FORBIDDEN for v4 clients, INVALID_REQUEST for v3", async () => {
  const reader = await gw.client({ scopes: ["operator.read"] });
  assert.ok(await reader.call("config.get"));
  await assert.rejects(reader.call("config.schema"), (e: unknown) => {
    const err = e as GatewayCallError;
    return (
      err.code === "FORBIDDEN" &&
      err.message === "missing scope: operator.admin" &&
      (err.details as { code: string }).code === "MISSING_SCOPE"
    );
  });
  await reader.close();
  const v3 = await gw.client({ scopes: ["operator.read"], minProtocol: 3, maxProtocol: 3 });
  await assert.rejects(
    v3.call("config.schema"),
    (e: unknown) =>
      (e as GatewayCallError).code === "INVALID_REQUEST" && (e as Error).message === "missing scope: operator.admin",
  );
  await v3.close();
  const none = await gw.client({ scopes: [] });
  assert.ok(await none.call("health"), "health needs no scope");
  await assert.rejects(none.call("status"), /missing scope: operator.read/);
  await none.close();
  const node = await gw.client({ role: "node" });
  assert.ok(await node.call("health"));
  await assert.rejects(node.call("status"), /unauthorized role: node/);
  await node.close();
});

test("ticks arrive with an increasing seq; presence events follow clients coming and going", async () => {
  const watcher = await gw.client();
  const events: { event: string; seq?: number; payload?: unknown }[] = [];
  watcher.onEvent((e) => events.push(e));
  // seq counts the server's broadcasts (as upstream): a second client sees the same seq for the same tick.
  const second = await gw.client();
  const secondTicks: number[] = [];
  second.onEvent((e) => e.event === "tick" && secondTicks.push(e.seq!));
  const listed = (who: string) =>
    events.some(
      (e) =>
        e.event === "presence" &&
        (e.payload as { presence: { text?: string }[] }).presence.some((p) => p.text?.startsWith(who)),
    );
  const other = await gw.client({ clientId: "presence-probe" });
  // Presence changes are coalesced (250 ms): wait for the join before leaving.
  for (let i = 0; i < 60 && !listed("presence-probe"); i++) await new Promise((r) => setTimeout(r, 50));
  await other.close();
  const lastPresence = () =>
    events.filter((e) => e.event === "presence").at(-1)?.payload as { presence: { text?: string }[] } | undefined;
  for (let i = 0; i < 60 && lastPresence()?.presence.some((p) => p.text?.startsWith("presence-probe")); i++)
    await new Promise((r) => setTimeout(r, 50));
  const deadline = Date.now() + 3000;
  while (events.filter((e) => e.event === "tick").length < 2 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  assert.ok(events.filter((e) => e.event === "tick").length >= 2, "two ticks within 3 s at 300 ms");
  const seqs = events.map((e) => e.seq!);
  assert.deepEqual(
    seqs,
    seqs.toSorted((a, b) => a - b),
  );
  assert.equal(new Set(seqs).size, seqs.length);
  const presence = events
    .filter((e) => e.event === "presence")
    .map((e) => (e.payload as { presence: { text?: string }[] }).presence);
  assert.ok(
    presence.some((list) => list.some((p) => p.text?.startsWith("presence-probe"))),
    "joined",
  );
  assert.ok(
    presence.at(-1)!.every((p) => !p.text?.startsWith("presence-probe")),
    "left",
  );
  const entries = (await watcher.call("system-presence")) as { mode: string }[];
  assert.equal(entries[0]!.mode, "gateway");
  const watcherTicks = new Set(events.filter((e) => e.event === "tick").map((e) => e.seq));
  assert.ok(
    secondTicks.some((seq) => watcherTicks.has(seq)),
    "one seq per broadcast",
  );
  await second.close();
  await watcher.close();
});

test("a flood of idle unauthenticated sockets never locks out a client that authenticates", async () => {
  // Its own gateway: the suite's one times handshakes out after 1 s, which would hide the eviction.
  const own = await startGateway({ config: { gateway: { mode: "local" } } });
  const idle: RawWs[] = [];
  const fresh: RawWs[] = [];
  try {
    for (let i = 0; i < 60; i++) idle.push(await RawWs.open(own.port));
    await new Promise((r) => setTimeout(r, 1200)); // now they are idle, not mid-handshake
    for (let i = 0; i < 40; i++) fresh.push(await RawWs.open(own.port));
    const client = await own.client();
    assert.equal(((await client.call("health")) as { ok: boolean }).ok, true);
    await client.close();
    const closed = await Promise.all(idle.map((ws) => ws.waitForClose(2000)));
    const evicted = closed.filter((c) => c.code === 1008 && c.reason === "too many unauthenticated sockets").length;
    assert.ok(evicted >= 40, `idle sockets made room for new ones (${evicted} closed)`);
  } finally {
    for (const ws of [...idle, ...fresh]) ws.destroy();
    await own.stop();
    own.home.cleanup();
  }
});
