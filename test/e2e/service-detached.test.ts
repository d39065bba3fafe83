import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { freePort } from "./gateway-harness.js";
import { makeHome } from "./harness.js";

/** openclaw's own supervisor, for real: install, crash, restart, stop, a config error, two profiles. */
test("the detached supervisor keeps the gateway running, stops it, and does not restart a config error", async () => {
  const home = makeHome();
  const env = { OPENCLAW_SERVICE_BACKEND: "detached" };
  const run = (...args: string[]) => home.run(args, { env, timeoutMs: 60_000 });
  const port = await freePort();
  const state = join(home.dir, ".openclaw");
  const supervisor = () =>
    JSON.parse(readFileSync(join(state, "supervisor.json"), "utf8")) as {
      gatewayPid?: number;
      restarts: number;
      state: string;
    };
  try {
    assert.equal((await run("config", "set", "gateway.port", String(port))).code, 0);
    const install = await run("gateway", "install");
    assert.equal(install.code, 0, install.stdout + install.stderr);
    assert.match(install.stdout, /Installed: openclaw supervisor \(detached\)/);
    assert.match(install.stdout, /Why this backend: OPENCLAW_SERVICE_BACKEND=detached/);
    assert.match(install.stdout, /RPC probe: ok/);
    const definition = readFileSync(join(state, "service.json"), "utf8");
    assert.doesNotMatch(definition, /TOKEN|token/, "no secret in the service definition");

    const status = await run("gateway", "status");
    assert.equal(status.code, 0, status.stdout);
    assert.match(status.stdout, /^Runtime: {5}running/m);
    assert.match(status.stdout, /^RPC probe: {3}ok \(\d+ms\)/m);
    assert.match(status.stdout, new RegExp(`^Config \\(service\\): profile=default, port=${port}, bind=loopback`, "m"));
    assert.match(status.stdout, /^Last gateway error: \(none\)/m);

    const again = await run("gateway", "install");
    assert.match(again.stdout, /Already installed/);

    const first = supervisor().gatewayPid!;
    process.kill(first, "SIGKILL");
    const deadline = Date.now() + 10_000;
    while (
      Date.now() < deadline &&
      !(supervisor().gatewayPid && supervisor().gatewayPid !== first && supervisor().state === "running")
    )
      await new Promise((r) => setTimeout(r, 100));
    assert.notEqual(supervisor().gatewayPid, first, "restarted within 10 s");
    assert.equal(supervisor().restarts, 1);
    // The supervisor says "running" once it spawned the gateway; listening takes a moment more under load.
    let probe = await run("gateway", "probe", "--timeout", "5000");
    for (let i = 0; i < 20 && probe.code !== 0; i++) {
      await new Promise((r) => setTimeout(r, 250));
      probe = await run("gateway", "probe", "--timeout", "5000");
    }
    assert.equal(probe.code, 0, "answers after the restart");

    const stop = await run("gateway", "stop");
    assert.equal(stop.code, 0, stop.stdout + stop.stderr);
    assert.match(stop.stdout, new RegExp(`port ${port} is released`));
    const stopped = await run("gateway", "status");
    assert.equal(stopped.code, 1);
    assert.match(stopped.stdout, /^Runtime: {5}stopped/m);

    // A config the gateway refuses (exit 78): started once, not restarted, and the reason shows.
    writeFileSync(
      join(state, "openclaw.json"),
      JSON.stringify({ gateway: { mode: "local", port, bind: "lan", auth: { mode: "none" } } }),
    );
    const start = await run("gateway", "start");
    assert.equal(start.code, 1);
    assert.match(start.stderr, /Last gateway error: .*refusing to bind lan without auth/);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(supervisor().state, "config-error");
    const failed = await run("gateway", "status");
    assert.match(failed.stdout, /^Runtime: {5}exited/m);
    assert.match(failed.stdout, /^Last gateway error: .*refusing to bind lan without auth/m);
    assert.match(failed.stdout, /configuration error \(78\) and is not restarted/);

    const removed = await run("gateway", "uninstall");
    assert.match(removed.stdout, /Stopped and removed openclaw supervisor/);
    assert.match((await run("gateway", "status")).stdout, /Service: {5}not installed/);
  } finally {
    await run("gateway", "stop").catch(() => undefined);
    home.cleanup();
  }
});

test("two profiles side by side on different ports; status --deep shows both", async () => {
  const home = makeHome();
  const env = { OPENCLAW_SERVICE_BACKEND: "detached" };
  const run = (...args: string[]) => home.run(args, { env, timeoutMs: 60_000 });
  const [a, b] = [await freePort(), await freePort()];
  try {
    await run("config", "set", "gateway.port", String(a));
    await run("--profile", "work", "config", "set", "gateway.port", String(b));
    assert.equal((await run("gateway", "install")).code, 0);
    assert.equal((await run("--profile", "work", "gateway", "install")).code, 0);
    const deep = await run("gateway", "status", "--deep");
    assert.equal(deep.code, 0, deep.stdout);
    assert.match(deep.stdout, new RegExp(`openclaw supervisor \\(detached, profile default, port ${a}\\)`));
    assert.match(deep.stdout, new RegExp(`openclaw supervisor \\(detached, profile work, port ${b}\\)`));
    assert.match(deep.stdout, new RegExp(`- ${a} \\(gateway\\): pid \\d+ .*gateway --port ${a}`));
    const json = JSON.parse((await run("--profile", "work", "gateway", "status", "--json")).stdout) as {
      service: { runtime: string };
      probe: { ok: boolean };
      cli: { port: number };
    };
    assert.deepEqual([json.service.runtime, json.probe.ok, json.cli.port], ["running", true, b]);
  } finally {
    await run("gateway", "uninstall");
    await run("--profile", "work", "gateway", "uninstall");
    home.cleanup();
  }
});

test("doctor finds a token in the service definition and an outdated one, and --fix rewrites it", async () => {
  const home = makeHome();
  const env = { OPENCLAW_SERVICE_BACKEND: "detached" };
  const run = (...args: string[]) => home.run(args, { env, timeoutMs: 60_000 });
  const definition = join(home.dir, ".openclaw", "service.json");
  try {
    await run("config", "set", "gateway.port", String(await freePort()));
    assert.equal((await run("gateway", "install")).code, 0);
    assert.match((await run("doctor", "--no-color")).stdout, /ok +openclaw supervisor \(detached\) is up to date/);
    const tampered = JSON.parse(readFileSync(definition, "utf8")) as { environment: Record<string, string> };
    tampered.environment.OPENCLAW_GATEWAY_TOKEN = "old-token-in-unit";
    writeFileSync(definition, JSON.stringify(tampered));
    const report = await run("doctor", "--no-color");
    assert.match(report.stdout, /warn .*carries OPENCLAW_GATEWAY_TOKEN/);
    const fixed = await run("doctor", "--fix", "--no-color");
    assert.match(fixed.stdout, /fixed Rewrote .*service\.json without OPENCLAW_GATEWAY_TOKEN/);
    assert.doesNotMatch(readFileSync(definition, "utf8"), /old-token-in-unit/);
    const json = JSON.parse((await run("doctor", "--json")).stdout) as { checks: { id: string; status: string }[] };
    assert.ok(json.checks.some((c) => c.id === "service-definition" && c.status === "ok"));
  } finally {
    await run("gateway", "uninstall");
    home.cleanup();
  }
});
