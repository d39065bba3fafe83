/**
 * The Control UI in headless Chromium against the built gateway (issue 12): the newcomer's path from
 * `openclaw dashboard` to a streamed reply, abort, history after a reload, sessions, config with a
 * concurrent change, the live log, errors for a wrong token and a foreign origin, and a browser on
 * another host that needs approval from the CLI. Screenshots of every page at 390 and 1280 px go to
 * `test-artifacts/control-ui/`.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { browserUnavailable, launchBrowser } from "./browser.js";
import { startFakeModelServer, type FakeModelServer } from "./fake-model-server.js";
import { FAKE_SOCKET_MODULE, startWhatsAppControl } from "./fake-whatsapp.js";
import { freePort, startGateway, type RunningGateway } from "./gateway-harness.js";
import { BIN, makeHome } from "./harness.js";

// What the callbacks given to page.evaluate use, in the browser (the tests are type-checked without the DOM).
declare const document: {
  querySelector(
    selector: string,
  ): { textContent: string | null; value?: string; getAttribute?(name: string): string | null } | null;
};
declare const sessionStorage: { readonly length: number; key(i: number): string | null };
declare const localStorage: { getItem(key: string): string | null };
declare const window: Record<string, unknown>;

const skip = browserUnavailable;
const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/control-ui/", import.meta.url));
const PAGES = ["overview", "chat", "sessions", "channels", "logs", "config", "devices"] as const;

let browser: Browser;
let model: FakeModelServer;
before(async () => {
  if (skip) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  [browser, model] = await Promise.all([launchBrowser(), startFakeModelServer()]);
});
after(async () => {
  await browser?.close();
  await model?.close();
});

async function withGateway(
  fn: (gw: RunningGateway) => Promise<void>,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const port = await freePort();
  const gw = await startGateway({
    port,
    config: {
      gateway: { mode: "local", port },
      models: { providers: { fake: { baseUrl: model.url, api: "openai-completions", apiKey: "test-key" } } },
      agents: { defaults: { model: "fake/test-model" } },
      ...extra,
    },
  });
  try {
    await fn(gw);
  } finally {
    await gw.stop();
    gw.home.cleanup();
  }
}

/** A page that fails the test on any script error; its console goes to the test output on failure. */
async function openPage(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("close", () => assert.deepEqual(errors, [], "no script errors in the page"));
  await page.goto(url);
  return page;
}

async function dashboardUrl(gw: RunningGateway): Promise<string> {
  const result = await gw.home.run(["dashboard", "--no-open", "--json"]);
  assert.equal(result.code, 0, result.stderr);
  return (JSON.parse(result.stdout) as { url: string }).url;
}

const connected = (page: Page) => page.waitForSelector('.conn-state[data-state="connected"]', { timeout: 15_000 });

async function send(page: Page, text: string): Promise<void> {
  await page.fill("textarea[name=message]", text);
  await page.press("textarea[name=message]", "Enter");
}

test("a newcomer: the dashboard link, the overview, a streamed reply, history after a reload", { skip }, async () => {
  await withGateway(async (gw) => {
    const url = await dashboardUrl(gw);
    assert.match(url, /#token=/);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await openPage(context, url);
    await connected(page);
    // The token left the address bar at once, and went to sessionStorage under upstream's key.
    assert.doesNotMatch(page.url(), /token/);
    const stored = await page.evaluate(() =>
      Array.from({ length: sessionStorage.length }, (_, i) => sessionStorage.key(i) ?? ""),
    );
    assert.ok(
      stored.some((k) => k.startsWith("openclaw.control.token.v1:ws://127.0.0.1:")),
      stored.join(","),
    );
    const identity = await page.evaluate(() => JSON.parse(localStorage.getItem("openclaw-device-identity-v1")!));
    assert.equal(identity.version, 1);
    assert.match(identity.deviceId, /^[0-9a-f]{64}$/);

    await send(page, "Reply with: Hello from **the fake model**");
    const reply = await page.waitForSelector(".msg.assistant:not(.streaming) strong", { timeout: 15_000 });
    assert.equal(await reply.textContent(), "the fake model");
    assert.match(readFileSync(join(gw.stateDir, "agents/default/sessions/main.jsonl"), "utf8"), /Hello from/);

    await page.reload();
    await connected(page);
    await page.waitForSelector(".msg.user >> text=Reply with: Hello from **the fake model**");
    await page.waitForSelector(".msg.assistant strong >> text=the fake model");

    await page.click('nav a[href="/overview"]');
    await page.waitForSelector('[data-field="version"]');
    assert.equal(await page.textContent('[data-field="model"]'), "fake/test-model");
    assert.equal(await page.textContent('[data-field="credential"]'), "present");
    assert.equal(await page.textContent('[data-field="auth"]'), "token");

    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 844 });
      for (const name of PAGES) {
        await page.click(`nav a[href="/${name}"]`);
        await page.waitForSelector(`oc-${name} h1, oc-chat .composer`);
        await page.waitForLoadState("networkidle");
        await page.screenshot({ path: join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
      }
    }
    await context.close();
  });
});

test("a long reply can be stopped, and a model's raw HTML never reaches the page", { skip }, async () => {
  await withGateway(async (gw) => {
    const context = await browser.newContext();
    const page = await openPage(context, await dashboardUrl(gw));
    await connected(page);
    await send(page, "Reply with: <img src=x onerror=alert(1)><script>window.pwned=1</script>**safe**");
    await page.waitForSelector(".msg.assistant:not(.streaming) strong >> text=safe");
    assert.equal(await page.locator(".msg.assistant img, .msg.assistant script").count(), 0);
    assert.equal(await page.evaluate(() => window.pwned), undefined);

    // A tool call shows as a card, and stays in the history as the tool's result.
    await send(page, "[tool:write] make a note");
    await page.waitForSelector("details.tool >> text=write", { timeout: 15_000 });

    await send(page, "[slow] tell me a long story");
    await page.waitForSelector(".msg.streaming .md", { timeout: 10_000 });
    await page.click("button.danger >> text=Stop");
    await page.waitForSelector(".notice >> text=Stopped.", { timeout: 10_000 });
    assert.equal(await page.locator(".msg.streaming").count(), 0);
    await context.close();
  });
});

test("an attached image reaches the model and stays in the transcript; other files are refused", { skip }, async () => {
  await withGateway(async (gw) => {
    const context = await browser.newContext();
    const page = await openPage(context, await dashboardUrl(gw));
    await connected(page);
    // A 1x1 PNG.
    const png = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
      "base64",
    );
    const input = page.locator("input[type=file]");
    await input.setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello") });
    await page.waitForSelector("text=Only images can be attached.");
    await input.setInputFiles({ name: "dot.png", mimeType: "image/png", buffer: png });
    await page.waitForSelector(".attachments img");
    await send(page, "Reply with: I see a dot");
    await page.waitForSelector(".msg.assistant:not(.streaming) >> text=I see a dot");
    const last = model.requests.at(-1)!;
    const user = last.messages.findLast((m) => m.role === "user")!;
    assert.deepEqual(
      (user.content as { type: string; image_url?: { url: string } }[]).map((b) => b.image_url?.url ?? b.type),
      ["text", `data:image/png;base64,${png.toString("base64")}`],
    );
    const transcript = readFileSync(join(gw.stateDir, "agents/default/sessions/main.jsonl"), "utf8");
    assert.ok(transcript.includes(png.toString("base64")));
    // After a reload the image is still in the history.
    await page.reload();
    await connected(page);
    await page.waitForSelector(".msg.user img.inline-image", { state: "attached" });
    await context.close();
  });
});

test("sessions: a new chat is web-<id>.jsonl; rename and reset from the sessions page", { skip }, async () => {
  await withGateway(async (gw) => {
    const context = await browser.newContext();
    const page = await openPage(context, await dashboardUrl(gw));
    await connected(page);
    await page.click("button >> text=New chat");
    const key = await page.inputValue("select[name=session]");
    assert.match(key, /^web-[0-9a-f]{12}$/);
    await send(page, "Reply with: in a new chat");
    await page.waitForSelector(".msg.assistant:not(.streaming) >> text=in a new chat");
    const sessionsDir = join(gw.stateDir, "agents/default/sessions");
    assert.ok(existsSync(join(sessionsDir, `${key}.jsonl`)), readdirSync(sessionsDir).join(","));

    await page.click('nav a[href="/sessions"]');
    const row = page.locator(`tr[data-session="${key}"]`);
    await row.waitFor();
    page.once("dialog", (d) => void d.accept("Groceries"));
    await row.locator("button >> text=Rename").click();
    await page.waitForSelector(`tr[data-session="${key}"] [data-field="label"] >> text=Groceries`);
    page.once("dialog", (d) => void d.accept());
    await row.locator("button >> text=Reset").click();
    // The session starts over: a fresh transcript, the old one archived, the label gone with it.
    await page.waitForFunction(
      (k) => document.querySelector(`tr[data-session="${k}"] [data-field="label"]`)?.textContent === "",
      key,
      { timeout: 10_000 },
    );
    assert.ok(
      readdirSync(sessionsDir).some((f) => f.startsWith(`${key}.reset-`)),
      readdirSync(sessionsDir).join(","),
    );

    // Open in chat: the session's history comes back in the chat page.
    await page.click('nav a[href="/chat"]');
    await page.selectOption("select[name=session]", "main");
    await send(page, "Reply with: main again");
    await page.waitForSelector(".msg.assistant:not(.streaming) >> text=main again");
    await page.click('nav a[href="/sessions"]');
    await page.locator('tr[data-session="main"] button >> text=Open').click();
    await page.waitForSelector(".msg.assistant >> text=main again");
    assert.match(page.url(), /\/chat\?session=main$/);
    await context.close();
  });
});

test("config: a change made elsewhere is shown, not overwritten; the form saves after a reload", { skip }, async () => {
  await withGateway(async (gw) => {
    const context = await browser.newContext();
    const page = await openPage(context, await dashboardUrl(gw));
    await connected(page);
    await page.click('nav a[href="/config"]');
    await page.click("button[role=tab] >> text=Raw (JSON5)");
    const editor = page.locator("textarea.config-editor");
    await page.waitForFunction(() => document.querySelector(".config-editor")?.value?.includes("fake"));
    assert.doesNotMatch(await editor.inputValue(), /"?token"?\s*:\s*"[0-9a-f]{20,}/, "secrets are masked");

    // Meanwhile, someone changes the file from the CLI.
    const set = await gw.home.run(["config", "set", "logging.level", "debug"]);
    assert.equal(set.code, 0, set.stderr);
    await editor.fill((await editor.inputValue()).replace(/\{/, '{ "tools": {},'));
    await page.click("button >> text=Save and apply");
    await page.waitForSelector("[data-conflict]");
    assert.match(readFileSync(gw.configPath, "utf8"), /"debug"/);
    assert.doesNotMatch(readFileSync(gw.configPath, "utf8"), /"tools"/);

    await page.click("[data-conflict] button");
    await page.waitForSelector("[data-conflict]", { state: "detached" });
    await page.click("button[role=tab] >> text=Common settings");
    await page.selectOption('select[name="agents.defaults.thinking"]', "high");
    await page.click("form[data-form=common] button[type=submit]");
    await page.waitForSelector(".notice >> text=Saved and applied.");
    const saved = readFileSync(gw.configPath, "utf8");
    assert.match(saved, /thinking["']?\s*:\s*["']high/);
    assert.match(saved, /"debug"/);

    // An invalid value is refused with the gateway's reason, and the file is left as it was.
    await page.fill('input[name="agents.defaults.model"]', "no-provider");
    await page.click("form[data-form=common] button[type=submit]");
    await page.waitForSelector("[data-issues] >> text=agents.defaults.model");
    assert.equal(readFileSync(gw.configPath, "utf8"), saved);
    await context.close();
  });
});

test("logs: a new line appears while the page is open, filtered by level", { skip }, async () => {
  await withGateway(async (gw) => {
    const context = await browser.newContext();
    const page = await openPage(context, await dashboardUrl(gw));
    await connected(page);
    await page.click('nav a[href="/logs"]');
    await page.waitForSelector(".log-line");
    const client = await gw.client();
    try {
      await client.call("chat.send", { sessionKey: "main", message: "[status:500] fail", idempotencyKey: "log-1" });
    } finally {
      await client.close();
    }
    await page.waitForSelector('.log-line[data-level="warn"] >> text=agent run failed', { timeout: 10_000 });
    await page.selectOption("select[name=level]", "error");
    assert.equal(await page.locator('.log-line[data-level="warn"]').count(), 0);
    await context.close();
  });
});

test("a wrong token is named with its code and fix; a foreign origin is refused", { skip }, async () => {
  await withGateway(async (gw) => {
    const context = await browser.newContext();
    const page = await openPage(context, `${gw.http}/#token=not-the-token`);
    await page.waitForSelector('.conn-state[data-state="needs-auth"]');
    await page.waitForSelector('[data-code="AUTH_TOKEN_MISMATCH"]');
    assert.match((await page.textContent(".gate")) ?? "", /openclaw config get gateway\.auth\.token/);
    // The login gate takes the right one.
    await page.fill("input[name=token]", gw.token()!);
    await page.click("button >> text=Connect");
    await connected(page);

    const foreign = await openPage(context, `http://foreign.test:${gw.port}/#token=${gw.token()}`);
    await foreign.waitForSelector("text=refused the WebSocket", { timeout: 15_000 });
    await gw.waitForOutput(/websocket origin refused/);
    await context.close();
  });
});

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "pipe" });

test("channels: WhatsApp links from the page by QR, then shows connected", { skip }, async () => {
  const control = await startWhatsAppControl();
  const port = await freePort();
  const gw = await startGateway({
    port,
    env: { OPENCLAW_WHATSAPP_SOCKET_MODULE: FAKE_SOCKET_MODULE, OPENCLAW_FAKE_WHATSAPP_CONTROL: control.url },
    config: { gateway: { mode: "local", port }, channels: { whatsapp: { enabled: true } } },
  });
  try {
    const context = await browser.newContext();
    const page = await openPage(context, `${await dashboardUrl(gw)}`);
    await connected(page);
    await page.click('nav a[href="/channels"]');
    const row = page.locator('tr[data-channel="whatsapp"]');
    await row.locator("text=not linked: run openclaw channels login --channel whatsapp").waitFor();
    await row.locator("button >> text=Link with QR").click();
    const socket = await control.live();
    socket.qr("2@page-qr,FFFF");
    const qr = page.locator("img.qr");
    await qr.waitFor();
    assert.match(String(await qr.getAttribute("src")), /^data:image\/png;base64,/);
    socket.qr("2@page-qr-two,GGGG");
    await page.waitForFunction(
      (first) => document.querySelector("img.qr")?.getAttribute?.("src") !== first,
      await qr.getAttribute("src"),
    );
    socket.link();
    await row.locator(".pill >> text=connected").waitFor({ timeout: 15_000 });
    assert.equal(await page.locator("img.qr").count(), 0);
    await row.locator("button >> text=Unlink").waitFor();
    await context.close();
  } finally {
    await gw.stop();
    gw.home.cleanup();
    await control.close();
  }
});

/** A browser on another host: two network namespaces joined by a veth pair (as gateway-netns.test.ts). */
function netnsUnavailable(): string | undefined {
  if (skip) return skip;
  if (process.getuid?.() !== 0) return "needs root to create network namespaces";
  try {
    execFileSync("ip", ["-V"], { stdio: "ignore" });
    const probe = `oc-probe-${randomBytes(3).toString("hex")}`;
    execFileSync("ip", ["netns", "add", probe], { stdio: "pipe" });
    execFileSync("ip", ["netns", "del", probe], { stdio: "pipe" });
  } catch (error) {
    return `network namespaces are not available here (${String(error).split("\n")[0]})`;
  }
  return undefined;
}

test(
  "a browser on another host waits for approval, then connects once approved from the CLI",
  { skip: netnsUnavailable() },
  async () => {
    const id = randomBytes(3).toString("hex");
    const [server, client] = [`oc-uis-${id}`, `oc-uic-${id}`];
    const home = makeHome();
    ip("netns", "add", server);
    ip("netns", "add", client);
    let remote: Browser | undefined;
    const gateway = (() => {
      ip("link", "add", `ous${id}`, "type", "veth", "peer", "name", `ouc${id}`);
      ip("link", "set", `ous${id}`, "netns", server);
      ip("link", "set", `ouc${id}`, "netns", client);
      ip("-n", server, "addr", "add", "10.213.78.1/30", "dev", `ous${id}`);
      ip("-n", client, "addr", "add", "10.213.78.2/30", "dev", `ouc${id}`);
      for (const [ns, dev] of [
        [server, `ous${id}`],
        [client, `ouc${id}`],
      ] as const) {
        ip("-n", ns, "link", "set", dev, "up");
        ip("-n", ns, "link", "set", "lo", "up");
      }
      const stateDir = join(home.dir, ".openclaw");
      mkdirSync(stateDir, { recursive: true, mode: 0o700 });
      writeFileSync(
        join(stateDir, "openclaw.json"),
        JSON.stringify({ gateway: { mode: "local", bind: "lan", port: 18789, auth: { token: "t".repeat(48) } } }),
        { mode: 0o600 },
      );
      return spawn("ip", ["netns", "exec", server, process.execPath, BIN, "gateway"], {
        env: { PATH: process.env.PATH ?? "", HOME: home.dir },
        stdio: ["ignore", "pipe", "pipe"],
      });
    })();
    let output = "";
    gateway.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const inServer = (args: string[]) =>
      execFileSync("ip", ["netns", "exec", server, process.execPath, BIN, ...args], {
        env: { PATH: process.env.PATH ?? "", HOME: home.dir },
        encoding: "utf8",
      });
    try {
      const deadline = Date.now() + 15_000;
      while (!/ready in/.test(output) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      remote = await launchBrowser({ netns: client });
      const page = await openPage(await remote.newContext(), `http://10.213.78.1:18789/#token=${"t".repeat(48)}`);
      const requestId = await page.getAttribute("[data-request-id]", "data-request-id", { timeout: 15_000 });
      assert.match(String(requestId), /\S/);
      const pending = JSON.parse(inServer(["devices", "list", "--json"])) as {
        pending: { requestId: string; remoteIp?: string }[];
      };
      assert.equal(pending.pending[0]?.requestId, requestId);
      assert.equal(pending.pending[0]?.remoteIp, "10.213.78.2");
      inServer(["devices", "approve", String(requestId)]);
      // The page keeps retrying by itself while pairing is pending, so it may connect before the click lands.
      const clicked = page.click("button >> text=Check now", { timeout: 10_000 }).catch(() => undefined);
      await connected(page);
      await clicked;
      // The device token issued at the first connect after approval lets a new tab in without the gateway token.
      const second = await openPage(page.context(), "http://10.213.78.1:18789/chat");
      await connected(second);
    } finally {
      await remote?.close();
      gateway.kill("SIGTERM");
      await new Promise((r) => gateway.once("exit", r));
      for (const ns of [server, client]) ip("netns", "del", ns);
      home.cleanup();
    }
  },
);
