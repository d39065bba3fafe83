import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { runTool, type ToolContext } from "./tools.js";
import { isPrivateAddress } from "../config/bind.js";
import type { WebSettings } from "./web-tools.js";

const workspace = mkdtempSync(join(tmpdir(), "oc-tools-"));
const web: WebSettings = {
  fetch: { allowPrivateNetwork: false, maxBytes: 1000, timeoutMs: 2000 },
  search: { baseUrl: "http://127.0.0.1:1", count: 3 },
};
const ctx = (over: Partial<ToolContext> = {}): ToolContext => ({
  workspace,
  signal: new AbortController().signal,
  env: { PATH: process.env.PATH },
  web,
  ...over,
});
let server: Server;
let base = "";
before(async () => {
  server = createServer((req, res) => {
    if (req.url === "/big") res.end("y".repeat(5000));
    else if (req.url === "/redirect-local") res.writeHead(302, { Location: "http://127.0.0.1:9/secret" }).end();
    else if (req.url?.startsWith("/res/v1/web/search")) {
      if (req.headers["x-subscription-token"] !== "brave-key") res.writeHead(401).end();
      else
        res.end(
          JSON.stringify({
            web: {
              results: [{ title: "Result <b>one</b>", url: "https://example.com/1", description: "first &amp; best" }],
            },
          }),
        );
    } else
      res
        .writeHead(200, { "Content-Type": "text/html" })
        .end("<html><script>x()</script><p>Hello <b>page</b></p></html>");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => {
  server.close();
  rmSync(workspace, { recursive: true, force: true });
});

test("read, write and edit stay inside the workspace", async () => {
  assert.equal((await runTool("write", { path: "a/b.txt", content: "one two" }, ctx())).isError, false);
  assert.equal((await runTool("read", { path: "a/b.txt" }, ctx())).text, "one two");
  assert.equal((await runTool("edit", { path: "a/b.txt", oldText: "two", newText: "three" }, ctx())).isError, false);
  assert.equal(readFileSync(join(workspace, "a/b.txt"), "utf8"), "one three");
  assert.match((await runTool("edit", { path: "a/b.txt", oldText: "zzz", newText: "" }, ctx())).text, /occurs 0 times/);
  for (const path of ["../escape.txt", "/etc/passwd", "a/../../x"]) {
    const r = await runTool("write", { path, content: "x" }, ctx());
    assert.equal(r.isError, true, path);
    assert.match(r.text, /outside the workspace/);
  }
  mkdirSync(join(workspace, "links"));
  symlinkSync("/etc", join(workspace, "links", "etc"));
  assert.match((await runTool("read", { path: "links/etc/hostname" }, ctx())).text, /outside the workspace/);
});

test("exec returns output and exit code, is bounded in time, and stops on abort", async () => {
  const ok = await runTool("exec", { command: "echo hi; exit 3" }, ctx());
  assert.equal(ok.isError, true);
  assert.match(ok.text, /hi\n\n\(exit 3\)/);
  const slow = await runTool("exec", { command: "sleep 5", timeoutSeconds: 0.3 }, ctx());
  assert.match(slow.text, /timed out after 0\.3 s/);
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 200);
  const started = Date.now();
  await runTool("exec", { command: "sleep 5" }, ctx({ signal: controller.signal }));
  assert.ok(Date.now() - started < 3000);
  const big = await runTool("exec", { command: "head -c 200000 /dev/zero | tr '\\0' x" }, ctx());
  assert.match(big.text, /more characters cut/);
});

test("web_fetch refuses local addresses by default, follows redirects with the same check, and caps size", async () => {
  assert.ok(
    isPrivateAddress("127.0.0.1") &&
      isPrivateAddress("10.1.2.3") &&
      isPrivateAddress("169.254.169.254") &&
      isPrivateAddress("::1") &&
      isPrivateAddress("fd00::1") &&
      isPrivateAddress("::ffff:192.168.1.1"),
  );
  assert.ok(!isPrivateAddress("93.184.216.34") && !isPrivateAddress("2606:4700::1111"));
  const refused = await runTool("web_fetch", { url: `${base}/` }, ctx());
  assert.equal(refused.isError, true);
  assert.match(refused.text, /private or local address/);
  const open = ctx({ web: { ...web, fetch: { ...web.fetch, allowPrivateNetwork: true } } });
  const page = await runTool("web_fetch", { url: `${base}/` }, open);
  assert.match(page.text, /Hello page/);
  assert.doesNotMatch(page.text, /x\(\)/);
  assert.match((await runTool("web_fetch", { url: `${base}/big` }, open)).text, /cut at 1000 bytes/);
  assert.match((await runTool("web_fetch", { url: "file:///etc/passwd" }, open)).text, /only http and https/);
});

test("web_search needs a key, and reads Brave's answer", async () => {
  assert.match((await runTool("web_search", { query: "x" }, ctx())).text, /needs a Brave Search API key/);
  const search = ctx({ web: { ...web, search: { baseUrl: base, apiKey: "brave-key", count: 3 } } });
  const r = await runTool("web_search", { query: "openclaw" }, search);
  assert.equal(r.isError, false);
  assert.match(r.text, /1\. Result one\n {3}https:\/\/example\.com\/1\n {3}first & best/);
  assert.match(
    (
      await runTool(
        "web_search",
        { query: "x" },
        ctx({ web: { ...web, search: { baseUrl: base, apiKey: "wrong", count: 3 } } }),
      )
    ).text,
    /key was refused/,
  );
});
