import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { chooseEncoding, controlUiCsp, controlUiSettings, rewriteIndex } from "./control-ui.js";

test("the base path is normalised as upstream: leading slash, no trailing one, '/' is the root", () => {
  assert.equal(controlUiSettings({}).basePath, "");
  assert.equal(controlUiSettings({ basePath: "/" }).basePath, "");
  assert.equal(controlUiSettings({ basePath: "/ui-x/" }).basePath, "/ui-x");
  assert.equal(controlUiSettings({ basePath: "admin" }).basePath, "/admin");
  assert.equal(controlUiSettings({ enabled: false }).enabled, false);
  assert.equal(controlUiSettings({ root: "/srv/ui" }).bundled, false);
});

test("index.html: assets under the base path, the base path announced, inline scripts hashed for the CSP", () => {
  const body = "document.documentElement.dataset.theme='dark'";
  const { html, scriptHashes } = rewriteIndex(
    `<!doctype html><html lang="en"><head><script>${body}</script><script type="module" src="./assets/app-1.js"></script><link rel="stylesheet" href="/assets/app-1.css"></head></html>`,
    "/x",
  );
  assert.match(html, /<html data-openclaw-control-ui-base-path="\/x" lang="en">/);
  assert.match(html, /src="\/x\/assets\/app-1\.js"/);
  assert.match(html, /href="\/x\/assets\/app-1\.css"/);
  assert.deepEqual(scriptHashes, [createHash("sha256").update(body).digest("base64")], "only the inline one");
  const csp = controlUiCsp(scriptHashes);
  assert.match(csp, new RegExp(`script-src 'self' 'sha256-${scriptHashes[0]!.replace(/[+/]/g, "\\$&")}'`));
  assert.match(csp, /connect-src 'self' ws: wss:/);
  assert.doesNotMatch(controlUiCsp([]), /unsafe-inline'[^;]*script|script-src[^;]*unsafe/);
});

test("Accept-Encoding picks the best sibling by q-value; nothing acceptable is undefined", () => {
  assert.equal(chooseEncoding("gzip, deflate, br", ["br", "gzip"]), "br");
  assert.equal(chooseEncoding("gzip", ["br", "gzip"]), "gzip");
  assert.equal(chooseEncoding("br;q=0.5, gzip", ["br", "gzip"]), "gzip");
  assert.equal(chooseEncoding(undefined, ["br", "gzip"]), "identity");
  assert.equal(chooseEncoding("br", []), "identity");
  assert.equal(chooseEncoding("*", ["gzip"]), "gzip");
  assert.equal(chooseEncoding("identity;q=0", ["gzip"]), undefined);
  assert.equal(chooseEncoding("gzip, identity;q=0", ["gzip"]), "gzip");
  assert.equal(chooseEncoding("br;q=abc", ["br"]), "identity", "a malformed q counts as refused");
});
