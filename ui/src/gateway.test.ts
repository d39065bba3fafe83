/**
 * The browser's connection logic against a scripted WebSocket: the signed connect, the token kept only
 * after it worked, no retry after a refused credential, retries while pairing is pending, and a dropped
 * socket reconnected with backoff.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { verifyDeviceProof } from "../../src/gateway/device-identity.js";
import { GatewayConnection, type ConnectionState } from "./gateway.js";
import { loadIdentity, tokenKey } from "./identity.js";

// What the page provides that Node 20 does not.
const g = globalThis as Record<string, unknown>;
g.window ??= globalThis;
g.navigator ??= { platform: "test", language: "en", userAgent: "node-test" };

class MemoryStorage {
  readonly map = new Map<string, string>();
  getItem = (k: string) => this.map.get(k) ?? null;
  setItem = (k: string, v: string) => void this.map.set(k, v);
  removeItem = (k: string) => void this.map.delete(k);
}

/** A WebSocket the test scripts: it records what the page sends and delivers what the test says. */
class ScriptedSocket {
  static all: ScriptedSocket[] = [];
  readonly sent: { id: string; method: string; params: Record<string, unknown> }[] = [];
  readonly listeners = new Map<string, ((event: unknown) => void)[]>();
  readyState = 1;
  constructor(readonly url: string) {
    ScriptedSocket.all.push(this);
  }
  addEventListener(type: string, fn: (event: unknown) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000, reason = "") {
    if (this.readyState === 3) return;
    this.readyState = 3;
    for (const fn of this.listeners.get("close") ?? []) fn({ code, reason });
  }
  deliver(frame: unknown) {
    for (const fn of this.listeners.get("message") ?? []) fn({ data: JSON.stringify(frame) });
  }
  challenge(nonce = "n-1") {
    this.deliver({ type: "event", event: "connect.challenge", payload: { nonce, ts: Date.now() } });
  }
  async request(method: string) {
    const deadline = Date.now() + 2000;
    for (;;) {
      const found = this.sent.find((f) => f.method === method);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`${method} was never sent`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

const URL = "ws://127.0.0.1:18789";
const hello = {
  type: "hello-ok",
  protocol: 4,
  server: { version: "t", connId: "c" },
  features: { methods: ["health", "status", "config.set"], events: [] },
  snapshot: {},
  auth: { role: "operator", scopes: ["operator.read"], deviceToken: "device-token-1" },
  policy: { maxPayload: 1000, tickIntervalMs: 30_000 },
};

async function connection(token?: string) {
  ScriptedSocket.all = [];
  const local = new MemoryStorage() as unknown as Storage;
  const tab = new MemoryStorage() as unknown as Storage;
  const states: ConnectionState[] = [];
  const conn = new GatewayConnection(
    {
      url: URL,
      identity: loadIdentity(local, { subtle: globalThis.crypto.subtle }),
      localStorage: local,
      sessionStorage: tab,
      clientVersion: "test",
      WebSocket: ScriptedSocket as unknown as typeof WebSocket,
    },
    (state) => states.push(state),
  );
  conn.start(token);
  return { conn, local, tab, states, socket: () => ScriptedSocket.all.at(-1)! };
}

test("connect: signed over the challenge; the token is kept only once it worked; the device token saved", async () => {
  const { conn, local, tab, states, socket } = await connection("good-token");
  socket().challenge("nonce-42");
  const connect = await socket().request("connect");
  const params = connect.params as {
    auth: { token: string };
    device: { id: string; publicKey: string; signature: string; signedAt: number; nonce: string };
    client: { id: string; mode: string };
    scopes: string[];
  };
  assert.equal(params.auth.token, "good-token");
  assert.equal(params.client.id, "openclaw-control-ui");
  const verdict = verifyDeviceProof(params.device, {
    nonce: "nonce-42",
    clientId: "openclaw-control-ui",
    clientMode: "webchat",
    role: "operator",
    scopes: params.scopes,
    token: "good-token",
    now: Date.now(),
  });
  assert.equal(verdict.ok, true);
  assert.equal(tab.getItem(tokenKey(URL)), null, "not kept before the gateway took it");
  socket().deliver({ type: "res", id: connect.id, ok: true, payload: hello });
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(states.at(-1)?.kind, "connected");
  assert.equal(tab.getItem(tokenKey(URL)), "good-token");
  assert.match(local.getItem(`openclaw.device.auth.v1:${URL}`) ?? "", /device-token-1/);
  assert.equal(conn.can("status"), true);
  assert.equal(conn.can("config.set"), false, "advertised, but operator.read does not cover it");
  assert.equal(conn.can("logs.tail"), false, "not advertised");
  conn.stop();
});

test("a refused token stops at the sign-in form: no retry, and the token is not kept", async () => {
  const { conn, tab, states, socket } = await connection("bad-token");
  socket().challenge();
  const connect = await socket().request("connect");
  socket().deliver({
    type: "res",
    id: connect.id,
    ok: false,
    error: { code: "AUTH_FAILED", message: "unauthorized", details: { code: "AUTH_TOKEN_MISMATCH" } },
  });
  socket().close(1008, "unauthorized");
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(states.at(-1)?.kind, "needs-auth");
  assert.equal(ScriptedSocket.all.length, 1, "no second attempt with the same token");
  assert.equal(tab.getItem(tokenKey(URL)), null);
  conn.stop();
});

test("pairing pending: waits with the request id and tries again; a dropped socket is reconnected", async () => {
  const { conn, states, socket } = await connection("good-token");
  socket().challenge();
  const connect = await socket().request("connect");
  socket().deliver({
    type: "res",
    id: connect.id,
    ok: false,
    error: { code: "NOT_PAIRED", message: "pairing required", details: { code: "PAIRING_REQUIRED", requestId: "r-1" } },
  });
  socket().close(1008, "pairing required");
  await new Promise((r) => setTimeout(r, 10));
  const waiting = states.at(-1);
  assert.equal(waiting?.kind, "waiting");
  assert.equal((waiting as { error: { details: { requestId: string } } }).error.details.requestId, "r-1");
  conn.retryNow();
  assert.equal(ScriptedSocket.all.length, 2, "Check now opens a new socket");
  const retrying = states.at(-1) as { kind: string; previous?: { details: { requestId: string } } };
  assert.equal(retrying.kind, "connecting");
  assert.equal(retrying.previous?.details.requestId, "r-1", "the pairing panel stays up while the retry runs");
  socket().challenge();
  const again = await socket().request("connect");
  socket().deliver({ type: "res", id: again.id, ok: true, payload: hello });
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(states.at(-1)?.kind, "connected");

  // The gateway goes away: the page waits (0.8 s, the first backoff step) and opens a new socket.
  socket().close(1006, "");
  assert.equal(states.at(-1)?.kind, "waiting");
  assert.equal((states.at(-1) as { retryInMs: number }).retryInMs, 800);
  await new Promise((r) => setTimeout(r, 900));
  assert.equal(ScriptedSocket.all.length, 3);
  conn.stop();
});
