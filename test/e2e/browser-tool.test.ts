/**
 * The agent's browser through the built gateway (issue 14), with Debian's Chromium: the seed's CI turn
 * (exec, then browser: open a page served here, snapshot, click a ref, read the changed text, answer with
 * it; the transcript holds every tool call and result), private addresses and redirects to them refused,
 * a killed Chromium started again by the next call, no Chromium left after SIGTERM or after kill -9 and a
 * restart.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { browserUnavailable } from "./browser.js";
import { startFakeModelServer, type FakeModelServer } from "./fake-model-server.js";
import { freePort, startGateway, type RunningGateway } from "./gateway-harness.js";
import { makeHome, type Home } from "./harness.js";

const skip = browserUnavailable;
let model: FakeModelServer;
let site: Server;
let siteUrl: string;
/** A private service the redirect points at: it must never be reached. */
let privateSite: Server;
const privateHits: string[] = [];
before(async () => {
  model = await startFakeModelServer();
  privateSite = createServer((req, res) => {
    privateHits.push(req.url ?? "");
    res.end("internal data");
  });
  await new Promise<void>((r) => privateSite.listen(0, "127.0.0.1", () => r()));
  site = createServer((req, res) => {
    if (req.url === "/to-private") {
      // A public-looking page that sends the browser to a private address.
      const port = (privateSite.address() as AddressInfo).port;
      res.writeHead(302, { Location: `http://localhost:${port}/secret` }).end();
      return;
    }
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end(
      `<!doctype html><title>Test page</title><button onclick="document.getElementById('result').textContent='the secret is 42'">Reveal</button><p id="result">hidden</p>`,
    );
  });
  await new Promise<void>((r) => site.listen(0, "127.0.0.1", () => r()));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
});
after(async () => {
  await model.close();
  site.closeAllConnections();
  await new Promise((r) => site.close(r));
  await new Promise((r) => privateSite.close(r));
});

/** Chromium processes using this home's profile. */
function chromiumsOf(home: string): number[] {
  try {
    return execFileSync("pgrep", ["-f", "--", `--user-data-dir=${home}`], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

async function start(home: Home, browser: Record<string, unknown> = {}): Promise<RunningGateway> {
  const port = await freePort();
  return startGateway({
    port,
    home,
    config: {
      gateway: { mode: "local", port },
      models: { providers: { fake: { baseUrl: model.url, api: "openai-completions", apiKey: "k" } } },
      agents: { defaults: { model: "fake/test-model", thinking: "off" } },
      // The test's page is on loopback: allowed by name, as a user would allow an intranet host.
      browser: { ssrfPolicy: { allowedHostnames: ["127.0.0.1"] }, ...browser },
    },
  });
}

async function turn(gw: RunningGateway, message: string, key: string): Promise<string> {
  const client = await gw.client();
  try {
    await client.call("chat.send", { sessionKey: key, message, idempotencyKey: `${key}-${Date.now()}` });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const history = await client.call<{ messages: { role: string; content: { type: string; text?: string }[] }[] }>(
        "chat.history",
        { sessionKey: key },
      );
      const last = history.messages.at(-1);
      if (last?.role === "assistant" && last.content.some((b) => b.type === "text" && b.text)) {
        return last.content.find((b) => b.type === "text")!.text!;
      }
      if (Date.now() > deadline) throw new Error(`no answer: ${JSON.stringify(history.messages.slice(-3))}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await client.close();
  }
}

test(
  "the seed's CI turn: exec, then the browser opens, snapshots, clicks a ref and reads the change",
  { skip },
  async () => {
    const home = makeHome();
    const gw = await start(home);
    try {
      assert.deepEqual(chromiumsOf(home.dir), [], "no browser at gateway start");
      const answer = await turn(gw, `[browse:${siteUrl}/] check the page`, "ci");
      assert.equal(answer, "The page says: the secret is 42");
      const request = model.requests.at(-1)!;
      assert.ok((request.tools as { function?: { name: string } }[]).some((t) => t.function?.name === "browser"));
      // The session index is written behind the turn: wait for it (bounded) rather than race it.
      const index = join(gw.stateDir, "agents/default/sessions/sessions.json");
      const deadline = Date.now() + 10_000;
      while (!(existsSync(index) && readFileSync(index, "utf8").includes('"ci"')) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      const sessionId = (JSON.parse(readFileSync(index, "utf8")) as Record<string, { sessionId: string }>).ci!
        .sessionId;
      const transcript = readFileSync(join(gw.stateDir, `agents/default/sessions/${sessionId}.jsonl`), "utf8")
        .trim()
        .split("\n")
        .map(
          (l) =>
            JSON.parse(l) as {
              message?: {
                role: string;
                content: { type: string; name?: string; arguments?: { action?: string } }[];
                toolName?: string;
              };
            },
        );
      const calls = transcript.flatMap((e) => (e.message?.content ?? []).filter((b) => b.type === "toolCall"));
      assert.deepEqual(
        calls.map((c) => (c.name === "browser" ? `browser:${c.arguments?.action}` : c.name)),
        ["exec", "browser:open", "browser:snapshot", "browser:act", "browser:text"],
      );
      const results = transcript.filter((e) => e.message?.role === "toolResult");
      assert.equal(results.length, 5);
      assert.ok(chromiumsOf(home.dir).length > 0, "the browser runs after its first use");

      // A private address is refused by default; so is a redirect to one.
      const refused = await turn(gw, "[browse:http://localhost:9/] go", "private");
      assert.match(refused, /browser error: browser open failed: navigation refused: localhost resolves to/);
      const redirected = await turn(gw, `[browse:${siteUrl}/to-private] go`, "redirect");
      assert.match(redirected, /browser error: browser open failed: navigation refused/);
      assert.deepEqual(privateHits, [], "the redirect's private target was never reached");

      // Killed from outside: the next call starts it again.
      for (const pid of chromiumsOf(home.dir)) process.kill(pid, "SIGKILL");
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(await turn(gw, `[browse:${siteUrl}/] again`, "again"), "The page says: the secret is 42");

      // SIGTERM: the gateway stops its browser.
      await gw.stop();
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(chromiumsOf(home.dir), [], "no Chromium after the gateway's SIGTERM");
    } finally {
      await gw.stop();
      home.cleanup();
    }
  },
);

test(
  "kill -9: the driver takes the browser down; if it is killed too, the next start stops what is left",
  { skip },
  async () => {
    const home = makeHome();
    let gw = await start(home);
    try {
      assert.equal(await turn(gw, `[browse:${siteUrl}/] look`, "k"), "The page says: the secret is 42");
      assert.ok(chromiumsOf(home.dir).length > 0);
      await gw.stop("SIGKILL");
      const deadline = Date.now() + 10_000;
      while (chromiumsOf(home.dir).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(chromiumsOf(home.dir), [], "the driver saw its gateway go and stopped the browser");

      // Now the driver is killed with the gateway: the browser is orphaned until the next start.
      gw = await start(home);
      assert.equal(await turn(gw, `[browse:${siteUrl}/] look`, "k2"), "The page says: the secret is 42");
      const driver = execFileSync("pgrep", ["-P", String(gw.proc.pid), "-f", "browser-driver"], { encoding: "utf8" })
        .split("\n")
        .filter(Boolean)
        .map(Number);
      for (const pid of driver) process.kill(pid, "SIGKILL");
      await gw.stop("SIGKILL");
      assert.ok(chromiumsOf(home.dir).length > 0, "orphaned by the kill");
      assert.ok(existsSync(join(home.dir, ".openclaw/browser/openclaw/chromium.pid")));
      gw = await start(home);
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(chromiumsOf(home.dir), [], "reaped at start");
      assert.match(gw.output(), /stopped a browser a previous gateway left running/);
    } finally {
      await gw.stop();
      home.cleanup();
    }
  },
);

test("openclaw browser drives the same browser through the running gateway", { skip }, async () => {
  const home = makeHome();
  const gw = await start(home);
  const cli = (...args: string[]) =>
    home.run(["browser", ...args], { env: { OPENCLAW_GATEWAY_PORT: String(gw.port) } });
  try {
    const status = await cli("status");
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^profile: openclaw$/m);
    assert.match(status.stdout, /^running: false$/m);
    assert.match(status.stdout, /^headless: true \(/m);
    const opened = await cli("open", `${siteUrl}/`);
    assert.equal(opened.code, 0, opened.stderr);
    assert.match(opened.stdout, /^opened: http:\/\/127\.0\.0\.1:\d+\/$/m);
    const snapshot = await cli("snapshot");
    const ref = /button "Reveal" \[ref=(e\d+)\]/.exec(snapshot.stdout)?.[1];
    assert.ok(ref, snapshot.stdout);
    assert.equal((await cli("click", ref)).code, 0);
    assert.equal((await cli("text", "--selector", "#result")).stdout.trim(), "the secret is 42");
    const tabs = await cli("tabs", "--json");
    assert.ok((JSON.parse(tabs.stdout) as { tabCount: number }).tabCount >= 1);
    const refused = await cli("open", "http://10.0.0.1/");
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /navigation refused: 10\.0\.0\.1 resolves to 10\.0\.0\.1/);
    const stopped = await cli("stop");
    assert.match(stopped.stdout, /running: false/);
    assert.deepEqual(chromiumsOf(home.dir), []);
  } finally {
    await gw.stop();
    home.cleanup();
  }
});
