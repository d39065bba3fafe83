import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { GatewayCallError } from "../../src/client/gateway-client.js";
import { startGateway } from "./gateway-harness.js";
import { RawWs } from "./raw-ws.js";

test("10 failed logins in a minute lock the address out for 5 minutes, loopback included", async () => {
  const gw = await startGateway({ config: { gateway: { mode: "local" } } });
  try {
    for (let i = 0; i < 10; i++) {
      await assert.rejects(
        gw.client({ token: `wrong-${i}` }),
        (e: unknown) => (e as GatewayCallError).code === "AUTH_FAILED",
      );
    }
    const locked = await gw.client({ token: gw.token() }).then(
      () => undefined,
      (e: unknown) => e as GatewayCallError,
    );
    assert.ok(locked, "even the right token is refused during the lockout");
    assert.equal((locked.details as { code: string }).code, "AUTH_RATE_LIMITED");
    assert.ok(locked.retryAfterMs! > 290_000 && locked.retryAfterMs! <= 300_000, `retryAfterMs ${locked.retryAfterMs}`);
    const http = await fetch(`${gw.http}/api/health`, { headers: { Authorization: `Bearer ${gw.token()}` } });
    assert.equal(http.status, 429);
    assert.ok(Number(http.headers.get("retry-after")) > 250);
    assert.equal((await fetch(`${gw.http}/healthz`)).status, 200, "liveness stays open");
    assert.doesNotMatch(
      readFileSync(join(gw.stateDir, "logs", todaysLogName()), "utf8"),
      new RegExp(gw.token()!),
      "the token never reaches the log",
    );
  } finally {
    await gw.stop();
    gw.home.cleanup();
  }
});

function todaysLogName(): string {
  const d = new Date();
  return `openclaw-${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}.log`;
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024;
}

test("a client that stops reading is disconnected; memory stays bounded and others keep fast answers", async () => {
  const gw = await startGateway({ config: { gateway: { mode: "local" } }, waitReady: true });
  try {
    // Give logs.tail something big to return: about 1 MB per answer.
    const logDir = join(gw.stateDir, "logs");
    mkdirSync(logDir, { recursive: true });
    const line = JSON.stringify({
      time: new Date().toISOString(),
      level: "info",
      subsystem: "filler",
      msg: "x".repeat(180),
    });
    writeFileSync(join(logDir, todaysLogName()), `${`${line}\n`.repeat(6000)}`, { flag: "a" });
    const before = rssOf(gw.proc.pid!);

    const hog = await RawWs.open(gw.port);
    await hog.waitFor(() => hog.messages().length > 0);
    hog.sendJson({
      type: "req",
      id: "c",
      method: "connect",
      params: { minProtocol: 4, maxProtocol: 4, auth: { token: gw.token() } },
    });
    await hog.waitFor(() => hog.messages().some((m) => m.id === "c"));
    hog.socket.pause(); // stop reading from here on
    for (let i = 0; i < 300; i++)
      hog.sendJson({ type: "req", id: `t${i}`, method: "logs.tail", params: { limit: 5000, maxBytes: 1_000_000 } });

    const other = await gw.client();
    const latencies: number[] = [];
    const deadline = Date.now() + 20_000;
    while (!/slow consumer disconnected/.test(gw.output()) && Date.now() < deadline) {
      const started = performance.now();
      await other.call("health");
      latencies.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.match(gw.output(), /slow consumer disconnected/);
    const growth = rssOf(gw.proc.pid!) - before;
    assert.ok(growth < 250 * 1024 * 1024, `RSS grew by ${Math.round(growth / 1048576)} MB`);
    const sorted = latencies.toSorted((a, b) => a - b);
    const p99 = sorted[Math.floor(sorted.length * 0.99)] ?? 0;
    assert.ok(p99 < 1500, `other client's p99 was ${Math.round(p99)} ms`);
    assert.equal(((await other.call("health")) as { ok: boolean }).ok, true);
    await other.close();
    hog.destroy();
  } finally {
    await gw.stop();
    gw.home.cleanup();
  }
});
