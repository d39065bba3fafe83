import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { GatewayClient } from "../../src/client/gateway-client.js";
import { freePort, startGateway } from "./gateway-harness.js";
import { makeHome } from "./harness.js";

const readConfig = (path: string) =>
  JSON.parse(readFileSync(path, "utf8")) as { gateway: { mode: string; auth: { token: string } } };

test("a fresh machine gets a local config with a generated token, never printed or logged", async () => {
  const gw = await startGateway();
  try {
    const config = readConfig(gw.configPath);
    assert.equal(config.gateway.mode, "local");
    assert.match(config.gateway.auth.token, /^[0-9a-f]{64}$/);
    assert.equal(statSync(gw.configPath).mode & 0o777, 0o600);
    assert.equal(statSync(gw.stateDir).mode & 0o777, 0o700);
    assert.match(gw.output(), /generated a gateway token and saved it to .*openclaw\.json/);
    assert.doesNotMatch(gw.output(), new RegExp(config.gateway.auth.token));
    const logs = readdirSync(join(gw.stateDir, "logs")).filter((f) => f.startsWith("openclaw-"));
    assert.equal(logs.length, 1);
    const log = readFileSync(join(gw.stateDir, "logs", logs[0]!), "utf8");
    assert.match(log, /"msg":"ready in \d+ ms from process start"/);
    assert.doesNotMatch(log, new RegExp(config.gateway.auth.token));
    assert.equal((await fetch(`${gw.http}/healthz`)).status, 200);
  } finally {
    await gw.stop();
    gw.home.cleanup();
  }
});

test("refusals exit 78 with the reason and the fix: remote mode, lan without auth, password without password", async () => {
  const cases: [Record<string, unknown> | undefined, string[], RegExp][] = [
    [
      { gateway: { mode: "remote", remote: { url: "wss://gw.example" } } },
      [],
      /gateway\.mode is remote.*\n.*--allow-unconfigured/,
    ],
    [
      undefined,
      ["--bind", "lan", "--auth", "none"],
      /refusing to bind lan without auth\n.*openclaw config set gateway\.auth\.mode token/,
    ],
    [undefined, ["--auth", "password"], /password mode|mode is password but no password/],
    [{ gateway: { mode: "local", bind: "custom" } }, [], /custom needs gateway\.customBind/],
    [{ gateway: { prot: 1 } }, [], /gateway\.prot: Unknown key \(did you mean "port"\?\)/],
  ];
  for (const [config, args, message] of cases) {
    const gw = await startGateway({ config, args, waitReady: false });
    const { code } = await gw.exited();
    assert.equal(code, 78, `${JSON.stringify(config)} ${args.join(" ")}: ${gw.output()}`);
    assert.match(gw.output(), message);
    assert.doesNotMatch(gw.output(), /\n\s+at /, "no stack trace");
    gw.home.cleanup();
  }
});

test("tailnet asks the tailscale command for the address and fails clearly when there is none", async () => {
  const home = makeHome();
  const bin = join(home.dir, "bin");
  mkdirSync(bin);
  writeFileSync(
    join(bin, "tailscale"),
    '#!/bin/sh\necho "$@" >> "$HOME/tailscale.calls"\necho "Tailscale is stopped." >&2\nexit 1\n',
  );
  chmodSync(join(bin, "tailscale"), 0o755);
  const gw = await startGateway({
    home,
    args: ["--bind", "tailnet"],
    env: { PATH: `${bin}:${process.env.PATH}` },
    waitReady: false,
  });
  assert.equal((await gw.exited()).code, 78);
  assert.match(gw.output(), /no Tailscale address \(100\.64\.0\.0\/10\)/);
  assert.match(gw.output(), /tailscale up/);
  assert.equal(readFileSync(join(home.dir, "tailscale.calls"), "utf8").trim(), "ip -4");
  // An address that tailscale reports but this host does not have: the bind fails, named.
  writeFileSync(join(bin, "tailscale"), "#!/bin/sh\necho 100.101.102.103\n");
  const second = await startGateway({
    home,
    args: ["--bind", "tailnet"],
    env: { PATH: `${bin}:${process.env.PATH}` },
    waitReady: false,
  });
  assert.equal((await second.exited()).code, 78);
  assert.match(second.output(), /cannot listen on 100\.101\.102\.103:\d+.*not on this host/);
  home.cleanup();
});

test("one gateway per state directory: a second start names the holder; a stale lock is taken over", async () => {
  const gw = await startGateway();
  try {
    const second = await startGateway({ home: gw.home, waitReady: false });
    assert.equal((await second.exited()).code, 1);
    assert.match(second.output(), new RegExp(`already running for this state directory \\(pid ${gw.proc.pid}`));
    assert.match(second.output(), new RegExp(`kill ${gw.proc.pid}`));
  } finally {
    await gw.stop();
  }
  assert.equal(existsSync(join(gw.stateDir, "gateway.lock")), false, "released on exit");
  writeFileSync(
    join(gw.stateDir, "gateway.lock"),
    JSON.stringify({ pid: 2 ** 22 + 12345, createdAt: "2026-01-01T00:00:00Z", configPath: gw.configPath }),
  );
  const again = await startGateway({ home: gw.home });
  assert.equal(
    (JSON.parse(readFileSync(join(gw.stateDir, "gateway.lock"), "utf8")) as { pid: number }).pid,
    again.proc.pid,
  );
  await again.stop();
  gw.home.cleanup();
});

test("a port held by another program is diagnosed with its pid and command line", async () => {
  const port = await freePort();
  const holder = spawn(
    process.execPath,
    ["-e", `require("net").createServer().listen(${port}, "127.0.0.1", () => console.log("up"))`],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  await new Promise((resolve) => holder.stdout!.once("data", resolve));
  try {
    const gw = await startGateway({ port, waitReady: false });
    assert.equal((await gw.exited()).code, 1);
    assert.match(gw.output(), new RegExp(`Port ${port} is already in use`));
    assert.match(gw.output(), new RegExp(`pid ${holder.pid}: .*node -e .*listen\\(${port}`));
    assert.match(gw.output(), /Another program is listening on this port/);
    assert.match(gw.output(), new RegExp(`--port ${port + 1}`));
    gw.home.cleanup();

    // Our own gateway of another profile on the same port: named as such.
    holder.kill();
    await new Promise((r) => holder.once("exit", r));
    const first = await startGateway({ port, args: ["--profile", "work"] });
    const other = await startGateway({ port, home: first.home, waitReady: false });
    assert.equal((await other.exited()).code, 1);
    assert.match(other.output(), /That is an openclaw gateway \(profile work\)/);
    await first.stop();
    first.home.cleanup();
  } finally {
    holder.kill();
  }
});

test("--force stops the earlier gateway of this profile and takes over", async () => {
  const first = await startGateway();
  const second = await startGateway({ home: first.home, port: first.port, args: ["--force"] });
  assert.deepEqual(await first.exited(), { code: 0, signal: null });
  assert.match(second.output(), new RegExp(`--force: stopping the gateway .*pid ${first.proc.pid}`));
  assert.equal((await fetch(`${second.http}/healthz`)).status, 200);
  await second.stop();
  first.home.cleanup();
});

test("SIGTERM announces shutdown, closes clients with 1012 and exits 0; SIGUSR1 restarts in process", async () => {
  const gw = await startGateway();
  const client = await gw.client();
  const events: { event: string; payload?: unknown }[] = [];
  client.onEvent((e) => events.push(e));
  let closed = new Promise<number>((resolve) => client.onClose((code) => resolve(code)));
  gw.proc.kill("SIGUSR1");
  assert.equal(await closed, 1012);
  assert.equal(events.at(-1)?.event, "shutdown");
  assert.deepEqual(events.at(-1)?.payload, { reason: "restart", restartExpectedMs: 1500 });
  const again = new GatewayClient({ url: gw.url, token: gw.token(), version: "test" });
  const deadline = Date.now() + 5000;
  while (
    !(await again.connect().then(
      () => true,
      () => false,
    )) &&
    Date.now() < deadline
  )
    await new Promise((r) => setTimeout(r, 100));
  assert.ok(again.connected, "reconnected after SIGUSR1");
  assert.equal(gw.proc.exitCode, null, "same process");
  const seen: { event: string; payload?: unknown }[] = [];
  again.onEvent((e) => seen.push(e));
  closed = new Promise<number>((resolve) => again.onClose((code) => resolve(code)));
  const exit = gw.stop("SIGTERM");
  assert.equal(await closed, 1012);
  assert.deepEqual(seen.find((e) => e.event === "shutdown")?.payload, { reason: "gateway stopping" });
  assert.deepEqual(await exit, { code: 0, signal: null });
  assert.match(gw.output(), /stopping \(signal\); draining/);
  gw.home.cleanup();
});

test("the client commands work against a running gateway", async () => {
  const gw = await startGateway({
    config: { gateway: { mode: "local" }, agents: { defaults: { model: "openai/gpt-5.1" } } },
  });
  const env = { OPENCLAW_GATEWAY_PORT: String(gw.port) };
  try {
    const probe = await gw.home.run(["gateway", "probe"], { env });
    assert.equal(probe.code, 0, probe.stderr);
    assert.match(
      probe.stdout,
      /^Gateway probe: ok \(\d+ms\)\nWS URL: ws:\/\/127\.0\.0\.1:\d+\nAuth: token \(configured\)\n/,
    );
    const health = JSON.parse((await gw.home.run(["health", "--json"], { env })).stdout) as Record<string, any>; // oxlint-disable-line typescript/no-explicit-any -- JSON tree
    for (const key of [
      "ok",
      "version",
      "uptime",
      "gateway",
      "channels",
      "models",
      "ts",
      "durationMs",
      "agents",
      "sessions",
      "eventLoop",
    ])
      assert.ok(key in health, key);
    assert.deepEqual(health.gateway.port, gw.port);
    assert.equal(health.gateway.bind, "loopback");
    assert.equal(health.gateway.auth, "token");
    assert.equal(health.models.primary, "openai/gpt-5.1");
    const status = await gw.home.run(["status"], { env });
    assert.match(status.stdout, /Gateway: {2}reachable at ws:\/\/127\.0\.0\.1/);
    assert.match(status.stdout, /Auth: {5}token \(configured\)/);
    const all = await gw.home.run(["status", "--all"], { env });
    assert.doesNotMatch(all.stdout, new RegExp(gw.token()!));
    assert.match(all.stdout, /## Doctor/);
    const call = await gw.home.run(["gateway", "call", "system-presence", "--json"], { env });
    assert.equal((JSON.parse(call.stdout) as { mode: string }[])[0]!.mode, "gateway");
    const dash = await gw.home.run(["dashboard", "--no-open"], { env });
    assert.equal(dash.stdout.trim(), `http://127.0.0.1:${gw.port}/#token=${gw.token()}`);
    const logs = await gw.home.run(["logs", "--json", "--limit", "5"], { env });
    assert.ok(
      logs.stdout
        .trim()
        .split("\n")
        .every((l) => typeof (JSON.parse(l) as { msg: string }).msg === "string"),
    );
    const wrong = await gw.home.run(["gateway", "probe", "--token", "bad"], { env });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stdout, /Reason: authentication failed/);
    const insecure = await gw.home.run(["gateway", "call", "health", "--url", "ws://192.0.2.10:18789"], { env });
    assert.equal(insecure.code, 2);
    assert.match(insecure.stderr, /Refusing plain ws:\/\/ to 192\.0\.2\.10/);
    const inUrl = await gw.home.run(["gateway", "call", "health", "--url", `ws://127.0.0.1:${gw.port}/?token=x`], {
      env,
    });
    assert.equal(inUrl.code, 2);
    assert.match(inUrl.stderr, /credential in its query string/);
  } finally {
    await gw.stop();
  }
  const down = await gw.home.run(["gateway", "probe"], { env: { OPENCLAW_GATEWAY_PORT: String(gw.port) } });
  assert.equal(down.code, 1);
  assert.match(down.stdout, /Gateway probe: failed \(refused\)/);
  assert.match(down.stdout, /Next: Start it: openclaw gateway/);
  gw.home.cleanup();
});
