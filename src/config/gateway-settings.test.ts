import assert from "node:assert/strict";
import { test } from "node:test";
import { isTailscaleAddress, resolveBindTarget, type NetworkWorld } from "./bind.js";
import { checkBindAllowed, GatewaySettingsError, parsePort, resolveGatewaySettings } from "./gateway-settings.js";
import { checkTargetUrl, resolveGatewayTarget } from "./gateway-target.js";

const paths = { defaultPort: 18789 };
const world = (over: Partial<NetworkWorld> = {}): NetworkWorld => ({
  interfaceAddresses: () => ["127.0.0.1", "192.168.1.5"],
  tailscaleIPv4: async () => undefined,
  inContainer: () => false,
  ...over,
});

test("port: flag > OPENCLAW_GATEWAY_PORT > gateway.port > profile default", () => {
  const config = { gateway: { port: 20000 } };
  assert.deepEqual(
    [
      resolveGatewaySettings({ flags: { port: "1" }, env: { OPENCLAW_GATEWAY_PORT: "2" }, config, paths }).port,
      resolveGatewaySettings({ env: { OPENCLAW_GATEWAY_PORT: "2" }, config, paths }).port,
      resolveGatewaySettings({ env: {}, config, paths }).port,
      resolveGatewaySettings({ env: {}, config: {}, paths: { defaultPort: 19001 } }).port,
    ],
    [1, 2, 20000, 19001],
  );
  assert.equal(parsePort("127.0.0.1:18790", "env"), 18790);
  assert.equal(parsePort("[::1]:18791", "env"), 18791);
  for (const bad of ["0", "65536", "abc", "", "18789x"])
    assert.throws(() => parsePort(bad, "flag"), GatewaySettingsError, bad);
});

test("bind: flag > OPENCLAW_GATEWAY_BIND > gateway.bind > loopback", () => {
  const config = { gateway: { bind: "tailnet" as const } };
  assert.equal(
    resolveGatewaySettings({ flags: { bind: "lan" }, env: { OPENCLAW_GATEWAY_BIND: "auto" }, config, paths }).bind,
    "lan",
  );
  assert.equal(resolveGatewaySettings({ env: { OPENCLAW_GATEWAY_BIND: "auto" }, config, paths }).bind, "auto");
  assert.equal(resolveGatewaySettings({ env: {}, config, paths }).bind, "tailnet");
  assert.equal(resolveGatewaySettings({ env: {}, config: {}, paths }).bind, "loopback");
  assert.throws(
    () => resolveGatewaySettings({ flags: { bind: "public" }, env: {}, config: {}, paths }),
    /Invalid --bind/,
  );
});

test("auth: token from flag > env > config; mode defaults to token, or password when only a password exists", () => {
  const config = { gateway: { auth: { token: "cfg" } } };
  assert.equal(
    resolveGatewaySettings({ flags: { token: "flag" }, env: { OPENCLAW_GATEWAY_TOKEN: "env" }, config, paths }).auth
      .token,
    "flag",
  );
  assert.equal(resolveGatewaySettings({ env: { OPENCLAW_GATEWAY_TOKEN: "env" }, config, paths }).auth.token, "env");
  assert.equal(resolveGatewaySettings({ env: {}, config, paths }).auth.tokenSource, "config");
  assert.equal(
    resolveGatewaySettings({ env: { OPENCLAW_GATEWAY_PASSWORD: "pw" }, config: {}, paths }).auth.mode,
    "password",
  );
  assert.equal(resolveGatewaySettings({ env: {}, config: {}, paths }).auth.mode, "token");
  assert.throws(
    () => resolveGatewaySettings({ flags: { auth: "open" }, env: {}, config: {}, paths }),
    /Invalid --auth/,
  );
});

function settings(auth: Record<string, string>, bind = "lan") {
  return resolveGatewaySettings({ flags: { bind, ...auth }, env: {}, config: {}, paths });
}

test("only loopback may run without a secret; none is loopback-only", () => {
  assert.throws(() => checkBindAllowed(settings({ auth: "none" }), false), /refusing to bind lan without auth/);
  assert.doesNotThrow(() => checkBindAllowed(settings({ auth: "none" }, "loopback"), true));
  assert.doesNotThrow(() => checkBindAllowed(settings({ token: "t" }), false));
  assert.throws(() => checkBindAllowed(settings({ auth: "password" }, "loopback"), true), /no password is set/);
});

test("bind targets from the machine", async () => {
  assert.deepEqual((await resolveBindTarget("loopback", undefined, world())).hosts, ["127.0.0.1", "::1"]);
  assert.deepEqual((await resolveBindTarget("lan", undefined, world())).hosts, ["0.0.0.0"]);
  assert.equal((await resolveBindTarget("auto", undefined, world({ inContainer: () => true }))).hosts[0], "0.0.0.0");
  assert.equal((await resolveBindTarget("auto", undefined, world())).loopbackOnly, true);
  assert.deepEqual(
    (await resolveBindTarget("tailnet", undefined, world({ tailscaleIPv4: async () => "100.100.5.6\n" }))).hosts,
    ["100.100.5.6"],
  );
  assert.deepEqual(
    (await resolveBindTarget("tailnet", undefined, world({ interfaceAddresses: () => ["10.0.0.2", "100.64.0.9"] })))
      .hosts,
    ["100.64.0.9"],
  );
  await assert.rejects(resolveBindTarget("tailnet", undefined, world()), /no Tailscale address/);
  await assert.rejects(resolveBindTarget("custom", undefined, world()), /customBind/);
  assert.equal((await resolveBindTarget("custom", "127.0.0.2", world())).loopbackOnly, true);
  assert.equal(isTailscaleAddress("100.128.0.1"), false);
  assert.equal(isTailscaleAddress("100.127.255.1"), true);
});

test("client targets: plain ws:// only to loopback and Tailscale; never a token in the URL", async () => {
  assert.ok(checkTargetUrl("ws://127.0.0.1:18789", false));
  assert.ok(checkTargetUrl("ws://[::1]:18789", false));
  assert.ok(checkTargetUrl("ws://100.90.1.2:18789", false));
  assert.ok(checkTargetUrl("ws://box.tail1234.ts.net:18789", false));
  assert.ok(checkTargetUrl("wss://gw.example.com", false));
  assert.throws(() => checkTargetUrl("ws://192.168.1.20:18789", false), /Refusing plain ws:\/\//);
  assert.ok(checkTargetUrl("ws://192.168.1.20:18789", true));
  assert.throws(() => checkTargetUrl("ws://127.0.0.1:18789/?token=abc", true), /query string/);
  assert.throws(() => checkTargetUrl("ftp://x", false), /scheme/);

  const local = await resolveGatewayTarget({
    flags: {},
    env: {},
    config: { gateway: { port: 18800, auth: { token: "local" } } },
    paths,
    network: world(),
  });
  assert.deepEqual([local.url, local.token, local.authLabel], ["ws://127.0.0.1:18800", "local", "token (configured)"]);
  const remote = await resolveGatewayTarget({
    flags: {},
    env: {},
    config: {
      gateway: { mode: "remote", auth: { token: "local" }, remote: { url: "wss://gw.example.com", token: "remote" } },
    },
    paths,
    network: world(),
  });
  assert.deepEqual([remote.url, remote.token, remote.urlSource], ["wss://gw.example.com", "remote", "remote config"]);
  const env = await resolveGatewayTarget({
    flags: {},
    env: { OPENCLAW_GATEWAY_URL: "ws://127.0.0.1:1", OPENCLAW_GATEWAY_TOKEN: "e" },
    config: {},
    paths,
    network: world(),
  });
  assert.deepEqual([env.url, env.token, env.authLabel], ["ws://127.0.0.1:1", "e", "token (env)"]);
  const flag = await resolveGatewayTarget({
    flags: { url: "ws://127.0.0.1:2", token: "f" },
    env: { OPENCLAW_GATEWAY_URL: "ws://127.0.0.1:1", OPENCLAW_GATEWAY_TOKEN: "e" },
    config: {},
    paths,
    network: world(),
  });
  assert.deepEqual([flag.url, flag.token], ["ws://127.0.0.1:2", "f"]);
});
