import assert from "node:assert/strict";
import { test } from "node:test";
import { listenForUpdates, MAX_UPDATE_BYTES } from "./webhook.js";

test("the webhook listener: one path, POST only, the secret, JSON, bounded bodies", async () => {
  const received: unknown[] = [];
  const listener = await listenForUpdates({
    host: "127.0.0.1",
    port: 0,
    path: "/hook",
    secret: "abc",
    onUpdate: (u) => received.push(u),
  });
  const url = `http://127.0.0.1:${listener.port}`;
  const post = (path: string, body: string, secret?: string) =>
    fetch(url + path, {
      method: "POST",
      body,
      headers: secret === undefined ? {} : { "x-telegram-bot-api-secret-token": secret },
    });
  try {
    const ok = await post("/hook", '{"update_id":1}', "abc");
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get("x-openclaw-delivery-accepted"), "durable");
    assert.equal((await post("/other", "{}", "abc")).status, 404);
    assert.equal((await post("/hook", "{}")).status, 401);
    assert.equal((await post("/hook", "{}", "abd")).status, 401);
    assert.equal((await post("/hook", "{nope", "abc")).status, 400);
    assert.equal((await fetch(`${url}/hook`)).status, 405);
    const big = await post("/hook", `"${"x".repeat(MAX_UPDATE_BYTES)}"`, "abc").catch(() => undefined);
    assert.ok(big === undefined || big.status === 413, "an oversized body is refused");
    assert.deepEqual(received, [{ update_id: 1 }], "only the good post reached the bot");
    await assert.rejects(
      listenForUpdates({ host: "127.0.0.1", port: listener.port, path: "/x", secret: "s", onUpdate: () => undefined }),
      /EADDRINUSE/,
    );
  } finally {
    await listener.close();
  }
});
