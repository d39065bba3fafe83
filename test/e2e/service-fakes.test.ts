import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { freePort } from "./gateway-harness.js";
import { makeHome } from "./harness.js";

const FAKES = fileURLToPath(new URL("./fakes", import.meta.url));

/** A temporary HOME whose PATH finds the fake systemctl, loginctl, launchctl and schtasks first. */
function fakeMachine(extra: Record<string, string> = {}) {
  const home = makeHome();
  const state = mkdtempSync(join(home.dir, "fake-"));
  const env = { PATH: `${FAKES}:${process.env.PATH}`, FAKE_STATE: state, ...extra };
  const run = (args: string[], more: Record<string, string> = {}) =>
    home.run(args, { env: { ...env, ...more }, timeoutMs: 60_000 });
  const calls = () =>
    existsSync(join(state, "calls")) ? readFileSync(join(state, "calls"), "utf8").trim().split("\n") : [];
  return { home, state, env, run, calls };
}

test("systemd user unit: install, linger, identical and different reinstall, stop, uninstall", async () => {
  const m = fakeMachine({ FAKE_LINGER: "no", FAKE_LINGER_DENY: "1" });
  const port = await freePort();
  const unitPath = join(m.home.dir, ".config", "systemd", "user", "openclaw-gateway.service");
  try {
    await m.run(["config", "set", "gateway.port", String(port)]);
    const install = await m.run(["gateway", "install"]);
    assert.equal(install.code, 0, install.stdout + install.stderr);
    assert.match(install.stdout, /Installed: openclaw-gateway\.service \(systemd-user\)/);
    assert.match(install.stdout, /Why this backend: Linux: a systemd user unit \(the systemd user manager answers\)/);
    assert.match(install.stdout, /RPC probe: ok/);
    assert.match(
      install.stderr,
      new RegExp(`linger is off for ${userInfo().username}.*Run: sudo loginctl enable-linger ${userInfo().username}`),
    );
    const unit = readFileSync(unitPath, "utf8");
    assert.match(
      unit,
      new RegExp(`ExecStart=${process.execPath} --max-semi-space-size=4 \\S+/dist/entry\\.cjs gateway --port ${port}`),
    );
    assert.match(unit, /RestartPreventExitStatus=78/);
    assert.doesNotMatch(unit, /TOKEN/, "the token is not in the unit");
    assert.deepEqual(
      m.calls().filter((c) => /daemon-reload|enable|start/.test(c) && !c.includes("show")),
      [
        "systemctl --user daemon-reload",
        "systemctl --user enable openclaw-gateway.service",
        "systemctl --user start openclaw-gateway.service",
        `loginctl enable-linger ${userInfo().username}`,
      ],
    );

    const status = await m.run(["gateway", "status"]);
    assert.equal(status.code, 0, status.stdout);
    assert.match(status.stdout, /^Service: {5}systemd user unit openclaw-gateway\.service/m);
    assert.match(status.stdout, /^Runtime: {5}running \(pid \d+, state active, sub running\)/m);
    assert.match(status.stdout, /Warning: Linger is off/);
    assert.match(status.stdout, /^Logs: {8}journalctl --user -u openclaw-gateway\.service/m);

    assert.match((await m.run(["gateway", "install"])).stdout, /Already installed/);
    const other = await freePort();
    await m.run(["config", "set", "gateway.port", String(other)]);
    const mismatch = await m.run(["gateway", "status"]);
    assert.match(
      mismatch.stdout,
      /The CLI and the service resolve different settings\. Fix: openclaw gateway install --force/,
    );
    const refused = await m.run(["gateway", "install"]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /already installed with a different definition/);
    assert.match(refused.stderr, new RegExp(`- ExecStart=.*--port ${port}\\n\\+ ExecStart=.*--port ${other}`));
    const forced = await m.run(["gateway", "install", "--force"]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /Updated: openclaw-gateway\.service/);
    assert.ok(m.calls().includes("systemctl --user restart openclaw-gateway.service"));

    const failed = await m.run(["gateway", "status", "--no-probe"], { FAKE_ACTIVE_STATE: "failed", FAKE_EXIT: "78" });
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /^Runtime: {5}failed \(state failed, sub failed, last exit 78, restarts 4\)/m);
    assert.match(failed.stdout, /configuration error \(78\) and is not restarted/);

    const stop = await m.run(["gateway", "stop"]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, new RegExp(`port ${other} is released`));
    const removed = await m.run(["gateway", "uninstall"]);
    assert.match(removed.stdout, /Stopped and removed openclaw-gateway\.service/);
    assert.equal(existsSync(unitPath), false);
    assert.ok(m.calls().includes("systemctl --user disable --now openclaw-gateway.service"));
  } finally {
    await m.run(["gateway", "uninstall"]);
    m.home.cleanup();
  }
});

test("no user bus: the detached supervisor is chosen, and forcing systemd says why it cannot", async () => {
  const m = fakeMachine({ FAKE_NO_BUS: "1" });
  try {
    await m.run(["config", "set", "gateway.port", String(await freePort())]);
    const forced = await m.run(["gateway", "install"], { OPENCLAW_SERVICE_BACKEND: "systemd" });
    assert.equal(forced.code, 1);
    assert.match(forced.stderr, /systemd user services unavailable: Failed to connect to bus: No medium found/);
    assert.match(forced.stderr, /OPENCLAW_SERVICE_BACKEND=detached/);
    const auto = await m.run(["gateway", "install"]);
    assert.equal(auto.code, 0, auto.stderr);
    assert.match(
      auto.stdout,
      /Why this backend: openclaw's own supervisor, because systemd user services unavailable \(Failed to connect to bus: No medium found\)/,
    );
    await m.run(["gateway", "uninstall"]);
  } finally {
    m.home.cleanup();
  }
});

test("permission denied from systemctl is reported with the next step", async () => {
  const m = fakeMachine({ FAKE_DENY: "1" });
  try {
    const r = await m.run(["gateway", "install"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /systemctl --user daemon-reload: permission denied/);
    assert.match(r.stderr, /login session/);
  } finally {
    m.home.cleanup();
  }
});

test("systemd system unit: User=, multi-user.target, no --user", async () => {
  const m = fakeMachine();
  const dir = join(m.home.dir, "etc-systemd");
  mkdirSync(dir);
  const port = await freePort();
  try {
    await m.run(["config", "set", "gateway.port", String(port)]);
    const r = await m.run(["gateway", "install", "--system", "--user", userInfo().username], {
      OPENCLAW_SYSTEMD_SYSTEM_DIR: dir,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const unit = readFileSync(join(dir, "openclaw-gateway.service"), "utf8");
    assert.match(unit, new RegExp(`^User=${userInfo().username}$`, "m"));
    assert.match(unit, /^WantedBy=multi-user\.target$/m);
    assert.match(unit, /^Environment=OPENCLAW_STATE_DIR=/m, "a system unit names its state dir");
    assert.ok(m.calls().includes("systemctl start openclaw-gateway.service"));
    assert.ok(!m.calls().some((c) => c.startsWith("loginctl")), "no linger for system units");
    await m.run(["gateway", "uninstall"], { OPENCLAW_SYSTEMD_SYSTEM_DIR: dir });
  } finally {
    m.home.cleanup();
  }
});

test("launchd: a LaunchAgent bot.molt.<profile> driven by launchctl", async () => {
  const m = fakeMachine({ OPENCLAW_SERVICE_BACKEND: "launchd" });
  const port = await freePort();
  try {
    await m.run(["--profile", "mac", "config", "set", "gateway.port", String(port)]);
    const r = await m.run(["--profile", "mac", "gateway", "install"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const plist = readFileSync(join(m.home.dir, "Library", "LaunchAgents", "bot.molt.mac.plist"), "utf8");
    assert.match(plist, /<key>Label<\/key>\s*<string>bot\.molt\.mac<\/string>/);
    assert.match(plist, /<string>--port<\/string>\s*<string>\d+<\/string>/);
    assert.match(plist, /gateway\.err\.log/);
    const uid = process.getuid!();
    assert.ok(m.calls().some((c) => c.startsWith(`launchctl bootstrap gui/${uid} `)));
    const status = await m.run(["--profile", "mac", "gateway", "status"]);
    assert.match(status.stdout, /^Runtime: {5}running \(pid \d+, state running\)/m);
    const restart = await m.run(["--profile", "mac", "gateway", "restart"]);
    assert.equal(restart.code, 0, restart.stderr);
    assert.ok(m.calls().includes(`launchctl kickstart -k gui/${uid}/bot.molt.mac`));
    await m.run(["--profile", "mac", "gateway", "uninstall"]);
    assert.ok(m.calls().includes(`launchctl bootout gui/${uid}/bot.molt.mac`));
  } finally {
    m.home.cleanup();
  }
});

test("Windows: a scheduled task running gateway.cmd at logon", async () => {
  const m = fakeMachine({ OPENCLAW_SERVICE_BACKEND: "schtasks" });
  try {
    const r = await m.run(["gateway", "install"]);
    // The fake does not run cmd scripts, so no gateway answers: install reports that clearly.
    assert.equal(r.code, 1);
    assert.match(r.stdout, /Installed: OpenClaw Gateway \(schtasks\)/);
    assert.match(r.stderr, /RPC probe: failed/);
    const script = readFileSync(join(m.home.dir, ".openclaw", "gateway.cmd"), "utf8");
    assert.match(script, /^@echo off\r\n/);
    assert.match(script, /gateway --port 18789 >> /);
    assert.ok(m.calls().some((c) => c.startsWith("schtasks /Create /F /TN OpenClaw Gateway /TR")));
    const status = await m.run(["gateway", "status", "--no-probe"]);
    assert.match(status.stdout, /^Runtime: {5}running \(state|status Running\)?/m);
    await m.run(["gateway", "uninstall"]);
    assert.ok(m.calls().includes("schtasks /Delete /TN OpenClaw Gateway /F"));
  } finally {
    m.home.cleanup();
  }
});
