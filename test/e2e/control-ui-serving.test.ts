/**
 * Serving the Control UI's files from `gateway.controlUi.root` (issue 12): pages fall back to index.html,
 * missing assets 404, precompressed siblings by Accept-Encoding, revalidation, hostile paths, base path,
 * the CSP hashing the page's own inline script, and `enabled: false`.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { startGateway } from "./gateway-harness.js";

const INLINE = "document.documentElement.dataset.booted='1'";
const APP_JS = `console.log(${JSON.stringify("x".repeat(2000))});\n`;

function makeBuild(): string {
  const root = mkdtempSync(join(tmpdir(), "ui-build-"));
  mkdirSync(join(root, "assets"));
  writeFileSync(
    join(root, "index.html"),
    `<!doctype html><html lang="en"><head><script>${INLINE}</script><script type="module" src="./assets/app-abc123.js"></script></head><body><openclaw-app></openclaw-app></body></html>`,
  );
  writeFileSync(join(root, "assets", "app-abc123.js"), APP_JS);
  writeFileSync(join(root, "assets", "app-abc123.js.br"), brotliCompressSync(APP_JS));
  writeFileSync(join(root, "assets", "app-abc123.js.gz"), gzipSync(APP_JS));
  writeFileSync(join(root, "favicon.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>");
  writeFileSync(join(tmpdir(), "outside-secret.txt"), "secret");
  symlinkSync(join(tmpdir(), "outside-secret.txt"), join(root, "leak.txt"));
  return root;
}

/** A request with the path exactly as given (fetch would normalise `..` away). */
function raw(port: number, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
    (resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on("error", reject);
      req.end();
    },
  );
}

test("Control UI files: SPA fallback, encodings, caching, hostile paths, CSP with the inline script's hash", async () => {
  const root = makeBuild();
  const gw = await startGateway({ config: { gateway: { mode: "local", controlUi: { root } } } });
  try {
    const index = await raw(gw.port, "/");
    assert.equal(index.status, 200);
    assert.equal(index.headers["cache-control"], "no-cache");
    assert.match(index.body.toString(), /<html data-openclaw-control-ui-base-path="" lang="en">/);
    const hash = createHash("sha256").update(INLINE).digest("base64");
    assert.ok(String(index.headers["content-security-policy"]).includes(`script-src 'self' 'sha256-${hash}'`));
    assert.equal(index.headers["x-frame-options"], "DENY");
    assert.equal(index.headers["referrer-policy"], "no-referrer");

    // A deep link is the app; a deep link's relative asset still resolves; a missing asset is a 404.
    const page = await raw(gw.port, "/chat?session=main", { Accept: "text/html" });
    assert.equal(page.status, 200);
    assert.match(page.body.toString(), /openclaw-app/);
    assert.equal((await raw(gw.port, "/chat/assets/app-abc123.js")).status, 200);
    assert.equal((await raw(gw.port, "/assets/missing-1.js")).status, 404);
    assert.equal((await raw(gw.port, "/chat", { Accept: "application/json" })).status, 404, "not a page request");

    // Precompressed siblings by Accept-Encoding; a root from config is not fingerprinted by us: no-cache.
    const br = await raw(gw.port, "/assets/app-abc123.js", { "Accept-Encoding": "gzip, br" });
    assert.equal(br.headers["content-encoding"], "br");
    assert.equal(br.headers.vary, "Accept-Encoding");
    assert.equal(br.headers["content-type"], "application/javascript; charset=utf-8");
    assert.equal(br.headers["cache-control"], "no-cache");
    assert.deepEqual(br.body, brotliCompressSync(APP_JS));
    const gz = await raw(gw.port, "/assets/app-abc123.js", { "Accept-Encoding": "gzip" });
    assert.equal(gz.headers["content-encoding"], "gzip");
    const plain = await raw(gw.port, "/assets/app-abc123.js");
    assert.equal(plain.headers["content-encoding"], undefined);
    assert.equal(plain.body.toString(), APP_JS);
    assert.equal((await raw(gw.port, "/assets/app-abc123.js", { "Accept-Encoding": "identity;q=0" })).status, 406);
    assert.equal((await raw(gw.port, "/assets/app-abc123.js.br")).status, 404, "siblings are not asked for by name");
    const again = await raw(gw.port, "/assets/app-abc123.js", {
      "If-Modified-Since": String(plain.headers["last-modified"]),
    });
    assert.equal(again.status, 304);

    // Hostile paths: never a file outside the root, never a crash.
    for (const path of [
      "/../../etc/passwd",
      "/%2e%2e/%2e%2e/etc/passwd",
      "/assets/..%2f..%2fetc%2fpasswd.js",
      "/leak.txt",
      "/%00.js",
      "/%E0%A4%A.js",
    ]) {
      const res = await raw(gw.port, path);
      assert.ok([400, 404].includes(res.status) || !res.body.toString().includes("secret"), `${path}: ${res.status}`);
      assert.doesNotMatch(res.body.toString(), /root:|secret/, path);
    }
    // The gateway's own paths stay the gateway's.
    assert.equal((await raw(gw.port, "/healthz")).status, 200);
    assert.equal((await raw(gw.port, "/api/health")).status, 401);
    assert.equal((await fetch(`${gw.http}/`, { method: "POST" })).status, 405);
  } finally {
    await gw.stop();
    gw.home.cleanup();
    rmSync(root, { recursive: true, force: true });
  }
});

test("Control UI under a base path, and switched off", async () => {
  const root = makeBuild();
  const gw = await startGateway({ config: { gateway: { mode: "local", controlUi: { root, basePath: "/admin/" } } } });
  try {
    const bare = await raw(gw.port, "/admin?x=1");
    assert.equal(bare.status, 302);
    assert.equal(bare.headers.location, "/admin/?x=1");
    const index = await raw(gw.port, "/admin/");
    assert.match(index.body.toString(), /src="\/admin\/assets\/app-abc123\.js"/);
    assert.equal((await raw(gw.port, "/admin/assets/app-abc123.js")).status, 200);
    assert.doesNotMatch((await raw(gw.port, "/")).body.toString(), /openclaw-app/, "outside the base path: not the UI");
    // `openclaw dashboard` links to the base path, the token in the fragment.
    const dash = await gw.home.run(["dashboard", "--json"], { env: { OPENCLAW_GATEWAY_PORT: String(gw.port) } });
    assert.equal(dash.code, 0, dash.stderr);
    assert.deepEqual(JSON.parse(dash.stdout), {
      url: `http://127.0.0.1:${gw.port}/admin/#token=${gw.token()}`,
      httpUrl: `http://127.0.0.1:${gw.port}/admin/`,
      wsUrl: `ws://127.0.0.1:${gw.port}/admin`,
      port: gw.port,
      tokenIncluded: true,
    });
    assert.equal((await raw(gw.port, new URL(JSON.parse(dash.stdout).httpUrl as string).pathname)).status, 200);
    // Upstream's bootstrap JSON: only with the gateway's secret (or a paired device's token) as a bearer.
    assert.equal((await raw(gw.port, "/admin/control-ui-config.json")).status, 401);
    assert.equal((await raw(gw.port, "/admin/control-ui-config.json", { Authorization: "Bearer nope" })).status, 401);
    const bootstrap = await raw(gw.port, "/admin/__openclaw/control-ui-config.json", {
      Authorization: `Bearer ${gw.token()}`,
    });
    assert.equal(bootstrap.status, 200);
    assert.equal(bootstrap.headers["cache-control"], "no-cache");
    assert.deepEqual(
      (({ basePath, assistantName, assistantAgentId, terminalEnabled }) => ({
        basePath,
        assistantName,
        assistantAgentId,
        terminalEnabled,
      }))(JSON.parse(bootstrap.body.toString())),
      { basePath: "/admin", assistantName: "Assistant", assistantAgentId: "default", terminalEnabled: false },
    );
  } finally {
    await gw.stop();
    gw.home.cleanup();
  }
  const off = await startGateway({ config: { gateway: { mode: "local", controlUi: { root, enabled: false } } } });
  try {
    assert.equal((await raw(off.port, "/")).status, 404);
    assert.equal((await raw(off.port, "/assets/app-abc123.js")).status, 404);
    assert.equal((await raw(off.port, "/healthz")).status, 200);
  } finally {
    await off.stop();
    off.home.cleanup();
    rmSync(root, { recursive: true, force: true });
  }
});
