/**
 * The canvas host on the gateway port (issue 14): documents served from `<state>/canvas/`, a directory's
 * index.html, auth for anyone but a direct loopback peer, traversal and symlinks out refused, oversized
 * files refused, only GET and HEAD, a sandboxing CSP, and `OPENCLAW_SKIP_CANVAS_HOST=1`.
 */
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { test } from "node:test";
import { startGateway } from "./gateway-harness.js";

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

test("OPENCLAW_SKIP_CANVAS_HOST=1 turns the canvas host off", async () => {
  const gw = await startGateway({ env: { OPENCLAW_SKIP_CANVAS_HOST: "1" } });
  try {
    mkdirSync(join(gw.stateDir, "canvas"), { recursive: true });
    writeFileSync(join(gw.stateDir, "canvas", "index.html"), "hi");
    const res = await raw(gw.port, "/__openclaw__/canvas/");
    assert.equal(res.status, 404);
    assert.match(res.body, /OPENCLAW_SKIP_CANVAS_HOST/);
  } finally {
    await gw.stop();
    gw.home.cleanup();
  }
});
