import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { BIN, makeHome } from "./harness.js";

/**
 * A lan bind reached from another host: two network namespaces made here, joined by a veth pair with
 * addresses that exist only inside them. Needs root and iproute2; skipped with the reason otherwise.
 */
function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root to create network namespaces";
  try {
    execFileSync("ip", ["-V"], { stdio: "ignore" });
  } catch {
    return "iproute2 (the ip command) is not installed";
  }
  const probe = `oc-probe-${randomBytes(3).toString("hex")}`;
  try {
    execFileSync("ip", ["netns", "add", probe], { stdio: "pipe" });
    execFileSync("ip", ["netns", "del", probe], { stdio: "pipe" });
  } catch (error) {
    return `ip netns add is not permitted here (${String((error as { stderr?: Buffer }).stderr ?? error).trim()})`;
  }
  return undefined;
}

const skip = netnsUnavailable();

function ip(...args: string[]): Buffer {
  return execFileSync("ip", args, { stdio: "pipe" });
}

test("a lan-bound gateway is reachable from a second network namespace, with auth", { skip }, async () => {
  const id = randomBytes(3).toString("hex");
  const [server, client] = [`oc-gw-${id}`, `oc-cl-${id}`];
  const [serverIp, clientIp] = ["10.213.77.1", "10.213.77.2"];
  const home = makeHome();
  ip("netns", "add", server);
  ip("netns", "add", client);
  try {
    ip("link", "add", `ocs${id}`, "type", "veth", "peer", "name", `occ${id}`);
    ip("link", "set", `ocs${id}`, "netns", server);
    ip("link", "set", `occ${id}`, "netns", client);
    ip("-n", server, "addr", "add", `${serverIp}/30`, "dev", `ocs${id}`);
    ip("-n", client, "addr", "add", `${clientIp}/30`, "dev", `occ${id}`);
    for (const [ns, dev] of [
      [server, `ocs${id}`],
      [client, `occ${id}`],
    ] as const) {
      ip("-n", ns, "link", "set", dev, "up");
      ip("-n", ns, "link", "set", "lo", "up");
    }
    const token = randomBytes(32).toString("hex");
    const stateDir = join(home.dir, ".openclaw");
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    writeFileSync(
      join(stateDir, "openclaw.json"),
      JSON.stringify({ gateway: { mode: "local", bind: "lan", port: 18789, auth: { token } } }),
      { mode: 0o600 },
    );
    const gateway = spawn("ip", ["netns", "exec", server, process.execPath, BIN, "gateway"], {
      env: { PATH: process.env.PATH ?? "", HOME: home.dir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    gateway.stderr.on("data", (d: Buffer) => (output += d.toString()));
    try {
      const deadline = Date.now() + 15_000;
      while (!/ready in/.test(output) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.match(output, /listening on ws:\/\/0\.0\.0\.0:18789/);
      const inClientNs = (args: string[]) =>
        new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
          const child = spawn("ip", ["netns", "exec", client, process.execPath, BIN, ...args], {
            env: { PATH: process.env.PATH ?? "", HOME: join(home.dir, "remote-user") },
          });
          let stdout = "";
          let stderr = "";
          child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
          child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
          child.on("close", (code) => resolve({ code, stdout, stderr }));
        });
      const url = `ws://${serverIp}:18789`;
      const refused = await inClientNs(["gateway", "probe", "--url", url, "--token", token]);
      assert.equal(refused.code, 2, "plain ws:// across a network needs --allow-insecure");
      assert.match(refused.stderr, /Refusing plain ws:\/\//);
      const ok = await inClientNs(["gateway", "probe", "--url", url, "--token", token, "--allow-insecure"]);
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      assert.match(ok.stdout, /Gateway probe: ok/);
      const wrong = await inClientNs(["gateway", "probe", "--url", url, "--token", "wrong", "--allow-insecure"]);
      assert.equal(wrong.code, 1);
      assert.match(wrong.stdout, /authentication failed/);
    } finally {
      gateway.kill("SIGTERM");
      await new Promise((r) => gateway.once("exit", r));
    }
  } finally {
    for (const ns of [server, client]) {
      try {
        ip("netns", "del", ns);
      } catch {
        // already gone
      }
    }
    home.cleanup();
  }
});
