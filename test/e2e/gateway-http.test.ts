import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { startGateway, type RunningGateway } from "./gateway-harness.js";

let gw: RunningGateway;
before(async () => {
  gw = await startGateway();
});
after(async () => {
  await gw.stop();
  gw.home.cleanup();
});

test("liveness on /health and /healthz with no auth, GET and HEAD; other methods 405", async () => {
  for (const path of ["/health", "/healthz"]) {
    const res = await fetch(gw.http + path);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true, status: "live" });
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("referrer-policy"), "no-referrer");
    assert.equal(res.headers.get("cache-control"), "no-store");
    const head = await fetch(gw.http + path, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
    const post = await fetch(gw.http + path, { method: "POST" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");
  }
});

test("readiness on /ready and /readyz: details for local callers", async () => {
  for (const path of ["/ready", "/readyz"]) {
    const res = await fetch(gw.http + path);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { ready: boolean; failing: string[]; uptimeMs: number };
    assert.equal(body.ready, true);
    assert.deepEqual(body.failing, []);
    assert.ok(body.uptimeMs >= 0);
    assert.equal((await fetch(gw.http + path, { method: "HEAD" })).status, 200);
  }
  const proxied = await fetch(`${gw.http}/readyz`, { headers: { "X-Forwarded-For": "203.0.113.9" } });
  assert.deepEqual(await proxied.json(), { ready: true }, "a proxied request without a token gets no details");
});

test("the root is the bundled Control UI with a strict CSP and no inline script; unknown assets 404", async () => {
  const res = await fetch(`${gw.http}/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/html/);
  const csp = res.headers.get("content-security-policy") ?? "";
  assert.match(csp, /script-src 'self'; /, "no inline script is allowed");
  assert.match(csp, /frame-ancestors 'none'/);
  const html = await res.text();
  assert.match(html, /<openclaw-app>/);
  assert.doesNotMatch(html, /<script>/);
  assert.doesNotMatch(html, new RegExp(gw.token()!));
  const asset = /src="(\/assets\/index-[\w-]+\.js)"/.exec(html)?.[1];
  assert.ok(asset, html);
  const js = await fetch(gw.http + asset, { headers: { "Accept-Encoding": "br" } });
  assert.equal(js.headers.get("cache-control"), "public, max-age=31536000, immutable");
  assert.equal(js.headers.get("content-encoding"), "br");
  const missing = await fetch(`${gw.http}/assets/nope.js`);
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get("x-content-type-options"), "nosniff");
});

test("without a UI build, the root is a landing page with a restrictive CSP", async () => {
  const empty = mkdtempSync(join(tmpdir(), "oc-no-ui-"));
  const bare = await startGateway({ config: { gateway: { mode: "local", controlUi: { root: empty } } } });
  try {
    const res = await fetch(`${bare.http}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    const html = await res.text();
    assert.match(html, /OpenClaw Gateway is running/);
    assert.match(html, /openclaw dashboard/);
    assert.doesNotMatch(html, new RegExp(bare.token()!));
    assert.equal((await fetch(`${bare.http}/nope`)).status, 404);
  } finally {
    await bare.stop();
    bare.home.cleanup();
    rmSync(empty, { recursive: true, force: true });
  }
});

test("/api/health needs the bearer token; a token in the query string is refused", async () => {
  assert.equal((await fetch(`${gw.http}/api/health`)).status, 401);
  const ok = await fetch(`${gw.http}/api/health`, { headers: { Authorization: `Bearer ${gw.token()}` } });
  assert.equal(ok.status, 200);
  const health = (await ok.json()) as { ok: boolean; gateway: { port: number } };
  assert.equal(health.ok, true);
  assert.equal(health.gateway.port, gw.port);
  assert.equal((await fetch(`${gw.http}/api/health?token=${gw.token()}`)).status, 400);
});

test("malformed and oversized requests get a 4xx and the gateway stays up", async () => {
  const raw = (text: string) =>
    new Promise<string>((resolve) => {
      const socket = connect(gw.port, "127.0.0.1", () => socket.write(text));
      let data = "";
      socket.on("data", (d) => (data += d.toString()));
      socket.on("close", () => resolve(data));
      socket.on("error", () => resolve(data));
      setTimeout(() => socket.destroy(), 3000);
    });
  assert.match(await raw("GARBAGE\r\n\r\n"), /^HTTP\/1\.1 400/);
  assert.match(await raw(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(32 * 1024)}\r\n\r\n`), /^HTTP\/1\.1 431/);
  assert.equal((await fetch(`${gw.http}/healthz`)).status, 200);
});

test("a client that sends its headers slowly is cut off within the 10 s header limit", async () => {
  const started = Date.now();
  const closedAfter = await new Promise<number>((resolve) => {
    const socket = connect(gw.port, "127.0.0.1", () => socket.write("GET / HTTP/1.1\r\n"));
    socket.resume(); // read as a real client does, so the server's close is seen when it happens
    // One header byte every second: never finishes, never idle long enough for an idle timeout.
    const drip = setInterval(() => socket.write("X"), 1000);
    socket.on("close", () => {
      clearInterval(drip);
      resolve(Date.now() - started);
    });
    socket.on("error", () => undefined);
    setTimeout(() => socket.destroy(), 20_000);
  });
  assert.ok(closedAfter <= 10_100, `closed after ${closedAfter} ms, beyond the 10 s limit`);
  assert.ok(closedAfter >= 9_000, `closed too early, after ${closedAfter} ms`);
});
