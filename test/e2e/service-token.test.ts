/**
 * The CLI and the installed service agree on the gateway token (issue 10, faults 1 and 2): a token in the
 * shell is carried into the config at install, a mismatch is named as one, and no command of ours spends
 * the failed-login budget in a retry loop.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { freePort } from "./gateway-harness.js";
import { makeHome } from "./harness.js";

const FAKES = fileURLToPath(new URL("./fakes", import.meta.url));

function fakeSystemd() {
  const home = makeHome();
  const state = mkdtempSync(join(home.dir, "fake-"));
  const env = { PATH: `${FAKES}:${process.env.PATH}`, FAKE_STATE: state, FAKE_LINGER: "yes" };
  const run = (args: string[], more: Record<string, string> = {}) =>
    home.run(args, { env: { ...env, ...more }, timeoutMs: 60_000 });
  const config = () => JSON.parse(readFileSync(join(home.dir, ".openclaw", "openclaw.json"), "utf8"));
  const gatewayLog = () => {
    const out = join(state, "openclaw-gateway.service.out");
    return existsSync(out) ? readFileSync(out, "utf8") : "";
  };
  return { home, state, env, run, config, gatewayLog };
}

const hex = () => randomBytes(32).toString("hex");
const failedLogins = (log: string) => (log.match(/authentication failed/g) ?? []).length;

test("install with OPENCLAW_GATEWAY_TOKEN in the shell: the service uses it, and CLI and service agree after restart and rotation", async () => {
  const m = fakeSystemd();
  const token = hex();
  const port = await freePort();
  try {
    const started = Date.now();
    const install = await m.run(["gateway", "install", "--port", String(port)], { OPENCLAW_GATEWAY_TOKEN: token });
    assert.equal(install.code, 0, install.stdout + install.stderr);
    assert.ok(Date.now() - started < 15_000, "install does not wait out a lockout");
    assert.match(install.stdout, /RPC probe: ok/);
    assert.match(install.stderr, /OPENCLAW_GATEWAY_TOKEN from your shell.*gateway\.auth\.token/s);
    assert.ok(!(install.stdout + install.stderr).includes(token), "the token is never printed");
    assert.equal(m.config().gateway.auth.token, token, "carried into the config");
    assert.equal(statSync(join(m.home.dir, ".openclaw", "openclaw.json")).mode & 0o777, 0o600);
    const unit = readFileSync(join(m.home.dir, ".config", "systemd", "user", "openclaw-gateway.service"), "utf8");
    assert.ok(!unit.includes(token), "never in the unit");

    for (const env of [{ OPENCLAW_GATEWAY_TOKEN: token }, {}] as Record<string, string>[]) {
      const status = await m.run(["gateway", "status"], env);
      assert.equal(status.code, 0, status.stdout + status.stderr);
      assert.match(status.stdout, /RPC probe: {3}ok/);
      const restart = await m.run(["gateway", "restart"], env);
      assert.equal(restart.code, 0, restart.stdout + restart.stderr);
      assert.equal((await m.run(["gateway", "probe"], env)).code, 0);
    }

    // Rotation through the config: the running gateway takes the new token; a shell still holding the old
    // one is told it is a mismatch, as many times as it asks, without locking anybody out.
    const rotated = hex();
    assert.equal((await m.run(["config", "set", "gateway.auth.token", rotated])).code, 0);
    await new Promise((r) => setTimeout(r, 700)); // the config watcher's debounce
    const fresh = await m.run(["gateway", "probe"]);
    assert.equal(fresh.code, 0, fresh.stdout + fresh.stderr);
    for (let i = 0; i < 12; i++) {
      const stale = await m.run(["gateway", "status"], { OPENCLAW_GATEWAY_TOKEN: token });
      assert.equal(stale.code, 1);
      assert.match(stale.stdout + stale.stderr, /mismatch/i);
      assert.match(stale.stdout + stale.stderr, /OPENCLAW_GATEWAY_TOKEN from your shell/);
      assert.match(stale.stdout + stale.stderr, /gateway\.auth\.token in .*openclaw\.json/);
      assert.doesNotMatch(stale.stdout + stale.stderr, /too many failed/);
    }
    const restart = await m.run(["gateway", "restart"]);
    assert.equal(restart.code, 0, restart.stdout + restart.stderr);
    assert.equal((await m.run(["gateway", "probe"])).code, 0, "nobody was locked out");
    const staleRestart = await m.run(["gateway", "restart"], { OPENCLAW_GATEWAY_TOKEN: token });
    assert.equal(staleRestart.code, 1);
    assert.match(staleRestart.stdout + staleRestart.stderr, /mismatch/i);
    assert.equal(failedLogins(m.gatewayLog()), 0, "no command of ours tried the stale token");
  } finally {
    await m.run(["gateway", "uninstall"]);
    m.home.cleanup();
  }
});

test("install refuses up front when the shell's token differs from the config's, and writes nothing", async () => {
  const m = fakeSystemd();
  const port = await freePort();
  try {
    mkdirSync(join(m.home.dir, ".openclaw"), { recursive: true, mode: 0o700 });
    const configured = hex();
    writeFileSync(
      join(m.home.dir, ".openclaw", "openclaw.json"),
      JSON.stringify({ gateway: { mode: "local", auth: { token: configured } } }),
      { mode: 0o600 },
    );
    const before = readFileSync(join(m.home.dir, ".openclaw", "openclaw.json"), "utf8");
    const r = await m.run(["gateway", "install", "--port", String(port)], { OPENCLAW_GATEWAY_TOKEN: hex() });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /OPENCLAW_GATEWAY_TOKEN from your shell differs from gateway\.auth\.token/);
    assert.match(r.stderr, /unset OPENCLAW_GATEWAY_TOKEN/);
    assert.match(r.stderr, /openclaw gateway install --token/);
    assert.equal(readFileSync(join(m.home.dir, ".openclaw", "openclaw.json"), "utf8"), before);
    assert.equal(existsSync(join(m.home.dir, ".config", "systemd", "user", "openclaw-gateway.service")), false);

    // --token says which one the service uses: it is saved to the config, and the shell then agrees.
    const chosen = hex();
    const ok = await m.run(["gateway", "install", "--port", String(port), "--token", chosen], {
      OPENCLAW_GATEWAY_TOKEN: chosen,
    });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.equal(m.config().gateway.auth.token, chosen);
  } finally {
    await m.run(["gateway", "uninstall"]);
    m.home.cleanup();
  }
});
