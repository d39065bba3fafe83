/**
 * The canvas host on the gateway port (issue 14): documents served from `<state>/canvas/`, a directory's
 * index.html, auth for anyone but a direct loopback peer, traversal and symlinks out refused, oversized
 * files refused, only GET and HEAD, a sandboxing CSP, capability URLs (handed to nodes in hello-ok and by
 * `node.pluginSurface.refresh`, valid without a header, refused when forged) and `OPENCLAW_SKIP_CANVAS_HOST=1`.
 */
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { test } from "node:test";
import { startGateway } from "./gateway-harness.js";

const pathOf = (url: string) => new URL(url).pathname;

function raw(port: number, path: string, headers: Record<string, string> = {}, method = "GET") {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>(
    (resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path, headers, method }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on("error", reject);
      req.end();
    },
  );
}

test("canvas documents: served to loopback, behind the secret otherwise, confined, bounded, sandboxed", async () => {
  const gw = await startGateway();
  try {
    const doc = join(gw.stateDir, "canvas", "documents", "cv_0123456789abcdef0123456789abcdef");
    mkdirSync(doc, { recursive: true });
    writeFileSync(join(doc, "index.html"), "<!doctype html><h1>chart</h1>");
    writeFileSync(join(doc, "data.json"), '{"x":1}');
    symlinkSync(gw.configPath, join(doc, "leak.json"));
    writeFileSync(join(doc, "big.bin"), "");
    truncateSync(join(doc, "big.bin"), 26 * 1024 * 1024);

    const base = "/__openclaw__/canvas/documents/cv_0123456789abcdef0123456789abcdef";
    const page = await raw(gw.port, `${base}/`);
    assert.equal(page.status, 200);
    assert.match(page.body, /<h1>chart<\/h1>/);
    assert.match(String(page.headers["content-type"]), /text\/html/);
    assert.match(String(page.headers["content-security-policy"]), /^sandbox allow-scripts/);
    assert.equal(page.headers["cache-control"], "no-store");
    assert.equal((await raw(gw.port, `${base}/data.json`)).body, '{"x":1}');

    // Out of the root: .. in any spelling, and a symlink to the config.
    for (const path of [
      `${base}/../../../openclaw.json`,
      `${base}/%2e%2e/%2e%2e/%2e%2e/openclaw.json`,
      `${base}/leak.json`,
    ])
      assert.equal((await raw(gw.port, path)).status, 404, path);
    assert.equal((await raw(gw.port, `${base}/big.bin`)).status, 413);
    assert.equal((await raw(gw.port, `${base}/missing.html`)).status, 404);
    assert.equal((await raw(gw.port, `${base}/index.html`, {}, "POST")).status, 405);
    assert.equal((await raw(gw.port, "/__openclaw__/a2ui/a2ui.bundle.js")).status, 404);

    // Through a proxy (not a direct loopback peer): the gateway's secret is needed.
    const proxied = { "X-Forwarded-For": "203.0.113.7" };
    assert.equal((await raw(gw.port, `${base}/`, proxied)).status, 401);
    assert.equal((await raw(gw.port, `${base}/`, { ...proxied, Authorization: `Bearer ${gw.token()}` })).status, 200);
  } finally {
    await gw.stop();
    gw.home.cleanup();
  }
});

test("capability URLs: a node gets one in hello-ok, anyone may ask for a fresh one, forged ones are refused", async () => {
  const gw = await startGateway();
  const node = await gw.client({ role: "node" });
  const operator = await gw.client();
  try {
    const doc = join(gw.stateDir, "canvas", "documents", "cv_0123456789abcdef0123456789abcdef");
    mkdirSync(doc, { recursive: true });
    writeFileSync(join(doc, "index.html"), "<!doctype html><h1>chart</h1>");
    const fromHello = (node.hello as { pluginSurfaceUrls?: { canvas?: string } }).pluginSurfaceUrls?.canvas;
    assert.match(String(fromHello), new RegExp(`^http://127\\.0\\.0\\.1:${gw.port}/__openclaw__/cap/[\\w-]{43}/$`));
    assert.equal(operator.hello?.pluginSurfaceUrls, undefined, "operators ask when they need one");

    // Followed as a node's WebView would: no header, from "elsewhere" (through a proxy), which the
    // plain canvas path would refuse.
    const proxied = { "X-Forwarded-For": "203.0.113.7" };
    const page = await raw(gw.port, `${pathOf(fromHello!)}documents/cv_0123456789abcdef0123456789abcdef/`, proxied);
    assert.equal(page.status, 200);
    assert.match(page.body, /<h1>chart<\/h1>/);

    const fresh = await node.call<{ surface: string; url: string; expiresAtMs: number }>("node.pluginSurface.refresh", {
      surface: "canvas",
    });
    assert.notEqual(fresh.url, fromHello);
    assert.ok(fresh.expiresAtMs > Date.now() + 9 * 60_000 && fresh.expiresAtMs <= Date.now() + 10 * 60_000);
    const asked = await operator.call<{ url: string }>("node.pluginSurface.refresh", {});
    const cap = pathOf(asked.url);
    assert.equal(
      (await raw(gw.port, `${cap}documents/cv_0123456789abcdef0123456789abcdef/index.html`, proxied)).status,
      200,
    );
    // Confined like the canvas path (a `..` that URL parsing folds into the token makes it a forged one).
    for (const escape of [
      `${cap}../../../openclaw.json`,
      `${cap}%2e%2e/openclaw.json`,
      `${cap}documents/%2e%2e%2f..%2fopenclaw.json`,
    ]) {
      const res = await raw(gw.port, escape);
      assert.ok(res.status === 403 || res.status === 404, `${escape}: ${res.status}`);
      assert.doesNotMatch(res.body, /auth|token/);
    }
    const forged = `/__openclaw__/cap/${"A".repeat(43)}/documents/cv_0123456789abcdef0123456789abcdef/index.html`;
    const refused = await raw(gw.port, forged, proxied);
    assert.equal(refused.status, 403);
    assert.match(refused.body, /expired or is not valid/);
    assert.equal((await raw(gw.port, "/__openclaw__/cap/", proxied)).status, 403);
    await assert.rejects(node.call("node.pluginSurface.refresh", { surface: "a2ui" }), /unknown surface "a2ui"/);
    await assert.rejects(node.call("status", {}), /unauthorized role: node/, "a node calls only its own methods");
  } finally {
    await node.close();
    await operator.close();
    await gw.stop();
    gw.home.cleanup();
  }
});

test("OPENCLAW_SKIP_CANVAS_HOST=1 turns the canvas host off", async () => {
  const gw = await startGateway({ env: { OPENCLAW_SKIP_CANVAS_HOST: "1" } });
  try {
    mkdirSync(join(gw.stateDir, "canvas"), { recursive: true });
    writeFileSync(join(gw.stateDir, "canvas", "index.html"), "hi");
    const res = await raw(gw.port, "/__openclaw__/canvas/");
    assert.equal(res.status, 404);
    assert.match(res.body, /OPENCLAW_SKIP_CANVAS_HOST/);
    const client = await gw.client();
    await assert.rejects(client.call("node.pluginSurface.refresh", {}), /the canvas host is off/);
    await client.close();
  } finally {
    await gw.stop();
    gw.home.cleanup();
  }
});
