import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { GatewayCallError, GatewayClient } from "../../src/client/gateway-client.js";
import { startGateway, type RunningGateway } from "./gateway-harness.js";

let gw: RunningGateway;
const TOKEN = "a".repeat(64);
before(async () => {
  gw = await startGateway({ config: { gateway: { mode: "local", auth: { mode: "token", token: TOKEN } } } });
});
after(async () => {
  await gw.stop();
  gw.home.cleanup();
});

type Snapshot = { raw: string; hash: string; config: { gateway: { auth: { token: string } } }; valid: boolean };
const fileText = () => readFileSync(gw.configPath, "utf8");
const sha = (text: string) => createHash("sha256").update(text).digest("hex");

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${gw.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("config.get masks secrets and returns the file's hash", async () => {
  const client = await gw.client({ token: TOKEN });
  const snap = (await client.call("config.get")) as Snapshot;
  assert.equal(snap.hash, sha(fileText()));
  assert.equal(snap.config.gateway.auth.token, "__OPENCLAW_REDACTED__");
  assert.doesNotMatch(snap.raw, new RegExp(TOKEN));
  assert.match(snap.raw, /__OPENCLAW_REDACTED__/);
  const schema = (await client.call("config.schema")) as { schema: { properties: { gateway: unknown } } };
  assert.ok(schema.schema.properties.gateway);
  await client.close();
});

test("writes need the current baseHash; a stale or missing one changes nothing", async () => {
  const client = await gw.client({ token: TOKEN });
  const original = fileText();
  const raw = JSON.stringify({ gateway: { mode: "local", auth: { token: TOKEN }, reload: { mode: "hybrid" } } });
  await assert.rejects(
    client.call("config.set", { raw }),
    (e: unknown) => (e as Error).message === "config base hash required; re-run config.get and retry",
  );
  await assert.rejects(
    client.call("config.set", { raw, baseHash: "0".repeat(64) }),
    (e: unknown) => (e as Error).message === "config changed since last load; re-run config.get and retry",
  );
  await assert.rejects(client.call("config.patch", { raw: "{}", baseHash: "stale" }), /config changed since last load/);
  const snap = (await client.call("config.get")) as Snapshot;
  await assert.rejects(
    client.call("config.set", { raw: `{ gateway: { bind: "everywhere" } }`, baseHash: snap.hash }),
    (e: unknown) =>
      (e as GatewayCallError).code === "INVALID_REQUEST" && /invalid config: gateway\.bind/.test((e as Error).message),
  );
  await assert.rejects(client.call("config.set", { raw: "{ broken", baseHash: snap.hash }), /invalid config/);
  assert.equal(fileText(), original);
  await client.close();
});

test("config.set round-trips the masked snapshot without losing the token; config.patch applies live", async () => {
  const client = await gw.client({ token: TOKEN });
  const events: string[] = [];
  client.onEvent((e) => events.push(e.event));
  let snap = (await client.call("config.get")) as Snapshot;
  const set = (await client.call("config.set", { raw: snap.raw, baseHash: snap.hash })) as {
    ok: boolean;
    hash: string;
  };
  assert.equal(set.ok, true);
  assert.match(fileText(), new RegExp(TOKEN), "the masked value was restored from the file");
  snap = (await client.call("config.get")) as Snapshot;
  const patched = (await client.call("config.patch", {
    raw: JSON.stringify({ logging: { level: "debug" }, gateway: { auth: { token: "__OPENCLAW_REDACTED__" } } }),
    baseHash: snap.hash,
  })) as { changed: string[] };
  assert.deepEqual(patched.changed, ["logging"]);
  assert.equal((JSON.parse(fileText()) as { logging: { level: string } }).logging.level, "debug");
  assert.match(fileText(), new RegExp(TOKEN));
  await waitFor(() => events.includes("config.changed"), "config.changed event");
  const status = (await client.call("status")) as { config: { hash: string } };
  assert.equal(status.config.hash, sha(fileText()), "applied without a restart");
  await client.close();
});

test("a broken config edited in while running is not applied; the gateway stays up and says why", async () => {
  const good = fileText();
  writeFileSync(gw.configPath, `{ gateway: { mode: "local", prot: 1, auth: { token: "${TOKEN}" } } }`);
  const client = await gw.client({ token: TOKEN });
  await waitFor(
    async () =>
      ((await client.call("health")) as { configReload: { hotReloadStatus: string } }).configReload.hotReloadStatus ===
      "failed",
    "reload failure",
  );
  const health = (await client.call("health")) as { configReload: { errors: string[] } };
  assert.match(health.configReload.errors.join(), /gateway\.prot: Unknown key/);
  const status = (await client.call("status")) as { config: { reload: { status: string } } };
  assert.equal(status.config.reload.status, "failed");
  writeFileSync(gw.configPath, good);
  await waitFor(
    async () =>
      ((await client.call("health")) as { configReload: { hotReloadStatus: string } }).configReload.hotReloadStatus ===
      "ok",
    "recovery",
  );
  await client.close();
});

test("a new token in the file closes clients that used the old one with 4001", async () => {
  const client = await gw.client({ token: TOKEN });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    client.onClose((code, reason) => resolve({ code, reason })),
  );
  const NEW = "b".repeat(64);
  writeFileSync(gw.configPath, fileText().replace(TOKEN, NEW));
  const result = await closed;
  assert.deepEqual(result, { code: 4001, reason: "gateway auth changed" });
  const fresh = await gw.client({ token: NEW });
  await assert.rejects(gw.client({ token: TOKEN }), /mismatch/);
  writeFileSync(gw.configPath, fileText().replace(NEW, TOKEN));
  await waitFor(
    async () =>
      gw.client({ token: TOKEN }).then(
        (c) => (void c.close(), true),
        () => false,
      ),
    "old token back",
  );
  await fresh.close().catch(() => undefined);
});

test("a bind change restarts the listener in process: shutdown(restart), 1012, then it answers again", async () => {
  const client = await gw.client({ token: TOKEN });
  const events: { event: string; payload?: unknown }[] = [];
  client.onEvent((e) => events.push(e));
  const closed = new Promise<number>((resolve) => client.onClose((code) => resolve(code)));
  const snap = (await client.call("config.get")) as Snapshot;
  await client.call("config.patch", {
    raw: JSON.stringify({ gateway: { bind: "custom", customBind: "127.0.0.1" } }),
    baseHash: snap.hash,
  });
  assert.equal(await closed, 1012);
  assert.deepEqual(events.find((e) => e.event === "shutdown")?.payload, { reason: "restart", restartExpectedMs: 1500 });
  const again = new GatewayClient({ url: gw.url, token: TOKEN, version: "test" });
  await waitFor(
    () =>
      again.connect().then(
        () => true,
        () => false,
      ),
    "reconnect after restart",
  );
  const health = (await again.call("health")) as { gateway: { bind: string; listening: string[] } };
  assert.equal(health.gateway.bind, "custom");
  assert.deepEqual(health.gateway.listening, [`127.0.0.1:${gw.port}`]);
  await again.close();
});

test("config.apply schedules a restart; the write budget allows 3 per minute", async () => {
  const client = new GatewayClient({
    url: gw.url,
    token: TOKEN,
    version: "test",
    reconnect: { maxAttempts: 20, initialDelayMs: 100, maxDelayMs: 500 },
  });
  await client.connect();
  const reconnected = new Promise<void>((resolve) => {
    let closes = 0;
    client.onClose(() => closes++);
    client.onConnect(() => closes > 0 && resolve());
  });
  const snap = (await client.call("config.get")) as Snapshot;
  const applied = (await client.call("config.apply", { raw: snap.raw, baseHash: snap.hash })) as {
    restart: { scheduled: boolean };
  };
  assert.equal(applied.restart.scheduled, true);
  await reconnected;
  assert.equal(((await client.call("health")) as { ok: boolean }).ok, true, "the client reconnected by itself");
  let limited: GatewayCallError | undefined;
  for (let i = 0; i < 4; i++) {
    const current = (await client.call("config.get")) as Snapshot;
    const raw = JSON.stringify({ logging: { level: i % 2 ? "info" : "warn" } });
    limited = await client.call("config.patch", { raw, baseHash: current.hash }).then(
      () => undefined,
      (e: GatewayCallError) => e,
    );
    if (limited) break;
  }
  assert.ok(limited, "a patch was refused by the budget");
  assert.equal(limited.code, "UNAVAILABLE");
  assert.ok(limited.retryAfterMs! > 0);
  await client.close();
});
