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

/** Appends `lines` filler records of about 250 bytes to today's log, for large `logs.tail` answers. */
function fillTodaysLog(stateDir: string, lines: number): void {
  const logDir = join(stateDir, "logs");
  mkdirSync(logDir, { recursive: true });
  const line = JSON.stringify({
    time: new Date().toISOString(),
    level: "info",
    subsystem: "filler",
    msg: "x".repeat(180),
  });
  writeFileSync(join(logDir, todaysLogName()), `${line}\n`.repeat(lines), { flag: "a" });
}

function p99(times: number[]): number {
  return times.toSorted((a, b) => a - b)[Math.floor(times.length * 0.99)] ?? 0;
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024;
}

test("a client that stops reading while asking for large answers is disconnected; RSS returns and others keep their p99", async (t) => {
  const gw = await startGateway({ config: { gateway: { mode: "local" } }, waitReady: true });
  try {
    // Give logs.tail something big to return: about 1 MB per answer.
    fillTodaysLog(gw.stateDir, 20_000); // ~5 MB
    const other = await gw.client();
    const timeHealth = async (count: number) => {
      const times: number[] = [];
      for (let i = 0; i < count; i++) {
        const started = performance.now();
        await other.call("health");
        times.push(performance.now() - started);
        await new Promise((r) => setTimeout(r, 10));
      }
      return times;
    };
    const baseline = p99(await timeHealth(100));
    const before = rssOf(gw.proc.pid!);

    const hog = await RawWs.openAuthenticated(gw.port, gw.token());
    hog.socket.pause(); // stop reading from here on
    for (let i = 0; i < 300; i++)
      hog.sendJson({ type: "req", id: `t${i}`, method: "logs.tail", params: { limit: 5000, maxBytes: 1_000_000 } });

    const latencies: number[] = [];
    let peak = before;
    const deadline = Date.now() + 20_000;
    while (!/slow consumer disconnected/.test(gw.output()) && Date.now() < deadline) {
      const started = performance.now();
      await other.call("health");
      latencies.push(performance.now() - started);
      peak = Math.max(peak, rssOf(gw.proc.pid!));
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.match(gw.output(), /slow consumer disconnected/);
    assert.ok(peak - before < 64 * 1024 * 1024, `RSS grew by ${Math.round((peak - before) / 1048576)} MB`);
    // Once the hog is gone, the gateway gives its memory back (allocator slack allowed) and others are as fast.
    hog.destroy();
    let after = rssOf(gw.proc.pid!);
    for (let i = 0; i < 50 && after - before > 48 * 1024 * 1024; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = rssOf(gw.proc.pid!);
    }
    const afterP99 = p99(await timeHealth(100));
    t.diagnostic(
      `RSS ${Math.round(before / 1048576)} → peak ${Math.round(peak / 1048576)} → ${Math.round(after / 1048576)} MB; health p99 ${baseline.toFixed(1)} ms before, ${p99(latencies).toFixed(1)} ms during, ${afterP99.toFixed(1)} ms after`,
    );
    assert.ok(after - before < 24 * 1024 * 1024, `RSS stayed ${Math.round((after - before) / 1048576)} MB up`);
    assert.ok(
      p99(latencies) < Math.max(3 * baseline, 20),
      `other client's p99 ${p99(latencies).toFixed(1)} ms during (before: ${baseline.toFixed(1)} ms)`,
    );
    assert.ok(afterP99 < Math.max(3 * baseline, 20), `other client's p99 ${afterP99.toFixed(1)} ms after`);
    assert.equal(((await other.call("health")) as { ok: boolean }).ok, true);
    await other.close();
  } finally {
    await gw.stop();
    gw.home.cleanup();
  }
});

test("a client that pauses reading keeps its connection and gets every large answer, each method in order", async () => {
  const gw = await startGateway({ config: { gateway: { mode: "local" } } });
  try {
    fillTodaysLog(gw.stateDir, 8000);
    const reader = await RawWs.openAuthenticated(gw.port, gw.token());
    reader.socket.pause();
    for (let i = 0; i < 20; i++) {
      reader.sendJson({ type: "req", id: `t${i}`, method: "logs.tail", params: { limit: 5000, maxBytes: 1_000_000 } });
      reader.sendJson({ type: "req", id: `h${i}`, method: "health", params: {} });
    }
    await new Promise((r) => setTimeout(r, 3000)); // longer than any answer takes, shorter than the stall limit
    reader.socket.resume();
    await reader.waitFor(() => reader.messages().filter((m) => m.type === "res").length >= 41, 20_000);
    const ids = reader
      .messages()
      .filter((m) => m.type === "res" && m.id !== "c")
      .map((m) => String(m.id));
    // Answers are matched by id; those of one method keep their order through the wait.
    assert.deepEqual(
      ids.filter((id) => id.startsWith("t")),
      Array.from({ length: 20 }, (_, i) => `t${i}`),
    );
    assert.equal(ids.length, 40, "every request answered");
    assert.ok(
      reader
        .messages()
        .filter((m) => m.type === "res")
        .every((m) => m.ok === true),
    );
    assert.equal(reader.closeCode, undefined, "not disconnected");
    assert.doesNotMatch(gw.output(), /slow consumer/);
    reader.destroy();
  } finally {
    await gw.stop();
    gw.home.cleanup();
  }
});
