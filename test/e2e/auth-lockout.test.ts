/**
 * Failed logins (issue 10, faults 2 and 4): our commands try a refused credential once and name both
 * sources; a lockout says how long it lasts and how to clear it; successes from the same address do not
 * reset a guesser's count.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { GatewayCallError, GatewayClient } from "../../src/client/gateway-client.js";
import { startGateway } from "./gateway-harness.js";

const hex = () => randomBytes(32).toString("hex");
const failedLogins = (log: string) => (log.match(/authentication failed/g) ?? []).length;

test("a wrong token is tried once, both sources are named, and a lockout says how long and how to clear it", async () => {
  const gw = await startGateway();
  try {
    const wrong = hex();
    const env = { OPENCLAW_GATEWAY_TOKEN: wrong, OPENCLAW_GATEWAY_PORT: String(gw.port) };
    const started = Date.now();
    const probe = await gw.home.run(["gateway", "probe"], { env });
    assert.equal(probe.code, 1);
    const text = probe.stdout + probe.stderr;
    assert.match(text, /OPENCLAW_GATEWAY_TOKEN from your shell/);
    assert.match(text, /it expects gateway\.auth\.token in its config/);
    assert.ok(!text.includes(wrong));
    assert.ok(Date.now() - started < 5000);
    const health = await gw.home.run(["health", "--json"], { env });
    assert.equal(health.code, 1);
    assert.equal(failedLogins(gw.output()), 2, "one attempt per command");

    // Spend the rest of the budget, then every command names the lockout, its length and the way out.
    for (let i = 0; i < 8; i++) await gw.home.run(["gateway", "call", "health"], { env });
    for (const args of [["gateway", "probe"], ["health"], ["status"], ["gateway", "call", "health"]]) {
      const locked = await gw.home.run(args, { env });
      const out = locked.stdout + locked.stderr;
      assert.match(out, /locked out for \d+ s/, `${args.join(" ")}: ${out}`);
      assert.match(out, /restart/, `${args.join(" ")} says how to clear it`);
    }
  } finally {
    await gw.stop();
    gw.home.cleanup();
  }
});

test("logins that succeed in between do not reset a guesser's count on the same address", async () => {
  const gw = await startGateway();
  const attempt = async (token: string) => {
    const client = new GatewayClient({ url: gw.url, token, clientId: "test", clientMode: "test", version: "test" });
    try {
      await client.connect();
      return "ok";
    } catch (error) {
      return error instanceof GatewayCallError ? ((error.details as { code?: string }).code ?? error.code) : "error";
    } finally {
      await client.close();
    }
  };
  try {
    for (let i = 0; i < 9; i++) {
      assert.equal(await attempt(gw.token()!), "ok", "the real client gets in");
      assert.equal(await attempt(hex()), "AUTH_TOKEN_MISMATCH");
    }
    assert.equal(await attempt(gw.token()!), "ok");
    assert.equal(await attempt(hex()), "AUTH_TOKEN_MISMATCH", "the tenth failure in the window");
    assert.equal(await attempt(hex()), "AUTH_RATE_LIMITED", "the guesser is locked out");
    assert.equal(await attempt(gw.token()!), "AUTH_RATE_LIMITED", "and so is the address, until it ends");
    const api = await fetch(`${gw.http}/api/health`, { headers: { authorization: `Bearer ${gw.token()}` } });
    assert.equal(api.status, 429);
    assert.ok(Number(api.headers.get("retry-after")) > 0);
  } finally {
    await gw.stop();
    gw.home.cleanup();
  }
});
