/**
 * WhatsApp end to end through the built binary (issue 13), with Baileys' socket replaced by a fake that
 * the test drives (OPENCLAW_WHATSAPP_SOCKET_MODULE): linking by QR from the CLI, a DM answered after
 * pairing, group mention gating, logged-out and conflict stops with the re-link hint, transient closes
 * reconnected with backoff, a silent socket replaced, credentials that survive kill -9, logout; and
 * `channels status --probe --json` with Telegram, Discord and WhatsApp in one gateway.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { startFakeDiscord } from "../../src/channels/discord/fake-discord.test-utils.js";
import { startFakeTelegram } from "../../src/channels/telegram/fake-bot-api.test-utils.js";
import { FAKE_SOCKET_MODULE, startWhatsAppControl } from "./fake-whatsapp.js";
import { startFakeModelServer, type FakeModelServer } from "./fake-model-server.js";
import { freePort, startGateway, type RunningGateway } from "./gateway-harness.js";
import { BIN, makeHome, type Home } from "./harness.js";

let model: FakeModelServer;
before(async () => {
  model = await startFakeModelServer();
});
after(async () => {
  await model.close();
});

type Control = Awaited<ReturnType<typeof startWhatsAppControl>>;

function configFor(port: number, whatsapp: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    gateway: { mode: "local", port },
    models: { providers: { fake: { baseUrl: model.url, api: "openai-completions", apiKey: "test-key" } } },
    agents: { defaults: { model: "fake/test-model", thinking: "off" } },
    channels: { whatsapp: { enabled: true, ...whatsapp }, ...extra },
  };
}

async function start(control: Control, whatsapp: Record<string, unknown>, home?: Home): Promise<RunningGateway> {
  const port = await freePort();
  return startGateway({
    port,
    ...(home ? { home } : {}),
    env: { OPENCLAW_WHATSAPP_SOCKET_MODULE: FAKE_SOCKET_MODULE, OPENCLAW_FAKE_WHATSAPP_CONTROL: control.url },
    config: configFor(port, whatsapp),
  });
}

async function account(gw: RunningGateway): Promise<Record<string, unknown>> {
  const r = await gw.home.run(["channels", "status", "--json", "--channel", "whatsapp"]);
  return (JSON.parse(r.stdout) as { channelAccounts: { whatsapp: Record<string, unknown>[] } }).channelAccounts
    .whatsapp[0]!;
}

async function waitForAccount(gw: RunningGateway, what: string, ok: (a: Record<string, unknown>) => boolean) {
  const deadline = Date.now() + 15_000;
  let last: Record<string, unknown> = {};
  while (Date.now() < deadline) {
    last = await account(gw);
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`whatsapp never reached ${what}: ${JSON.stringify(last)}`);
}

const sentTexts = (control: Control, jid: string) =>
  control.calls
    .filter((c) => c.name === "sendMessage" && c.args[0] === jid)
    .map((c) => (c.args[1] as { text: string }).text);

/** Links the default account through `channels login` while the gateway runs; returns the CLI's output. */
async function linkFromCli(gw: RunningGateway, control: Control): Promise<string> {
  const cli = spawn(process.execPath, [BIN, "channels", "login", "--channel", "whatsapp"], {
    env: { PATH: process.env.PATH ?? "", HOME: gw.home.dir, OPENCLAW_GATEWAY_PORT: String(gw.port) },
  });
  let out = "";
  cli.stdout.on("data", (d: Buffer) => (out += d.toString()));
  cli.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => cli.on("exit", r));
  try {
    const socket = await control.live();
    socket.qr("2@fake-qr-one,AAAA,BBBB");
    await control.waitFor("the QR in the terminal", () => /▄|█/.test(out) && /Linked devices/.test(out));
    socket.qr("2@fake-qr-two,CCCC,DDDD");
    await control.waitFor("a second QR", () => out.split("Linked devices").length > 2);
    socket.link();
    assert.equal(await exited, 0, out);
    return out;
  } catch (error) {
    cli.kill();
    throw new Error(`${(error as Error).message}\nCLI output:\n${out}\nGateway:\n${gw.output().slice(-2000)}`, {
      cause: error,
    });
  }
}

test("linking by QR from the CLI; a DM answered after pairing; read receipts and typing", async () => {
  const control = await startWhatsAppControl();
  const gw = await start(control, { dmPolicy: "pairing" });
  try {
    const unlinked = await account(gw);
    assert.equal(unlinked.configured, false);
    assert.equal(unlinked.lastError, "not linked: run openclaw channels login --channel whatsapp");
    assert.equal(control.sockets.length, 0, "an unlinked account opens no socket by itself");

    const out = await linkFromCli(gw, control);
    assert.match(out, /Linked: linked: WhatsApp default is connected/);
    const dir = join(gw.stateDir, "credentials", "whatsapp", "default");
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, "creds.json")).mode & 0o777, 0o600);
    assert.equal(
      (JSON.parse(readFileSync(join(dir, "creds.json"), "utf8")) as { me: { id: string } }).me.id,
      "15550009999:7@s.whatsapp.net",
    );
    const linked = await waitForAccount(gw, "connected", (a) => a.state === "connected");
    assert.equal(linked.linked, true);

    const socket = await control.live();
    socket.message({ from: "+15551230001", text: "hello?" });
    const jid = "15551230001@s.whatsapp.net";
    const pairingText = await control.waitFor("the pairing code", () => sentTexts(control, jid)[0]);
    const code = /\b([A-HJ-NP-Z2-9]{8})\b/.exec(pairingText)?.[1];
    assert.ok(code, pairingText);
    const approve = await gw.home.run(["pairing", "approve", "whatsapp", code]);
    assert.equal(approve.code, 0, approve.stderr);
    socket.message({ from: "+15551230001", text: "Reply with: hi from whatsapp" });
    await control.waitFor("the answer", () => sentTexts(control, jid).includes("hi from whatsapp"));
    assert.ok(
      control.calls.some((c) => c.name === "sendPresenceUpdate" && c.args[0] === "composing" && c.args[1] === jid),
    );
    assert.ok(
      control.calls.some((c) => c.name === "readMessages"),
      "the answered message was marked read",
    );
    // The session index is written behind the turn: wait for it (bounded) rather than race it.
    const index = join(gw.stateDir, "agents/default/sessions/sessions.json");
    await control.waitFor(
      "the session in the index",
      () => existsSync(index) && /whatsapp/.test(readFileSync(index, "utf8")),
    );
  } finally {
    await gw.stop();
    gw.home.cleanup();
    await control.close();
  }
});

test("groups: answered only when mentioned; status and broadcast chats and own messages never answered", async () => {
  const control = await startWhatsAppControl();
  const home = makeHome();
  const gw = await start(
    control,
    { dmPolicy: "open", allowFrom: ["*"], groupPolicy: "open", groups: { "*": { requireMention: true } } },
    home,
  );
  try {
    await linkFromCli(gw, control);
    const socket = await control.live();
    const group = "120363000000000001@g.us";
    socket.message({ group, from: "+15551230002", text: "Reply with: unmentioned" });
    socket.message({ from: "+15551230003", text: "Reply with: from a status", group: "status@broadcast" });
    socket.message({
      group,
      from: "+15551230002",
      text: "@bot Reply with: mentioned",
      mentions: ["15550009999@s.whatsapp.net"],
    });
    await control.waitFor("the mentioned answer", () => sentTexts(control, group).includes("mentioned"));
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(sentTexts(control, group), ["mentioned"]);
    assert.deepEqual(sentTexts(control, "status@broadcast"), []);
  } finally {
    await gw.stop();
    home.cleanup();
    await control.close();
  }
});

test("logged out (401) and replaced (440) stop with the re-link hint; a transient close reconnects with backoff", async () => {
  const control = await startWhatsAppControl();
  const gw = await start(control, {});
  try {
    await linkFromCli(gw, control);
    await waitForAccount(gw, "connected", (a) => a.state === "connected");

    // Transient: a new socket after the first backoff step (2 s ±25 %), not at once and not never.
    const first = await control.live();
    const closedAt = Date.now();
    first.close(428);
    const second = await control.waitFor("a reconnect", () => control.sockets.find((s) => s.n > first.n), 10_000);
    const waited = Date.now() - closedAt;
    assert.ok(waited >= 1400 && waited < 6000, `reconnected after ${waited} ms`);
    assert.equal(second.linked, true, "the new socket has the saved credentials");
    second.open();
    const back = await waitForAccount(gw, "connected again", (a) => a.state === "connected");
    assert.equal(back.reconnectAttempts, 0);

    // Replaced by another WhatsApp Web session: stop, name the conflict, do not fight over the session.
    second.close(440);
    const conflict = await waitForAccount(gw, "conflict", (a) => a.state === "error");
    assert.match(String(conflict.lastError), /conflict: another WhatsApp Web session/);
    const count = control.sockets.length;
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(control.sockets.length, count, "no reconnect after a conflict");

    // Linked again from the CLI; then logged out from the phone (401).
    await linkFromCli(gw, control);
    (await control.live()).close(401);
    const out = await waitForAccount(gw, "logged out", (a) => a.state === "error");
    assert.match(String(out.lastError), /not linked: run openclaw channels login --channel whatsapp/);
    assert.equal(out.linked, false);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(control.sockets.filter((s) => !s.ended).length, 0, "no reconnect after a logout");
    assert.match(gw.output(), /whatsapp stopped/);
  } finally {
    await gw.stop();
    gw.home.cleanup();
    await control.close();
  }
});

test("a socket that carries no traffic is replaced (watchdog); credentials survive kill -9; logout deletes them", async () => {
  const control = await startWhatsAppControl();
  const home = makeHome();
  let gw = await start(control, { watchdogMs: 10_000 }, home);
  try {
    await linkFromCli(gw, control);
    const silent = await control.live();
    // Frames keep it alive; then nothing for longer than the watchdog allows.
    for (let i = 0; i < 3; i++) {
      silent.frame();
      await new Promise((r) => setTimeout(r, 1000));
    }
    const replaced = await control.waitFor(
      "a new socket after silence",
      () => control.sockets.find((s) => s.n > silent.n),
      25_000,
    );
    assert.ok(silent.ended, "the silent socket was ended");
    replaced.open();
    await waitForAccount(gw, "connected", (a) => a.state === "connected");

    gw.proc.kill("SIGKILL");
    await gw.exited();
    const dir = join(home.dir, ".openclaw", "credentials", "whatsapp", "default");
    JSON.parse(readFileSync(join(dir, "creds.json"), "utf8"));
    const socketsBefore = control.sockets.length;
    gw = await start(control, { watchdogMs: 10_000 }, home);
    // Socket numbers start again in the new process: the new one is whatever came after.
    const again = await control.waitFor("a socket at start", () => control.sockets[socketsBefore]);
    assert.equal(again.linked, true, "linked at start, without a new QR");
    again.open();
    await waitForAccount(gw, "connected", (a) => a.state === "connected");

    const logout = await home.run(["channels", "logout", "--channel", "whatsapp"], {
      env: { OPENCLAW_GATEWAY_PORT: String(gw.port) },
    });
    assert.equal(logout.code, 0, logout.stderr);
    assert.match(logout.stdout, /unlinked \(the phone was told\) and its credentials deleted/);
    assert.ok(control.calls.some((c) => c.name === "logout"));
    assert.equal(existsSync(join(dir, "creds.json")), false);
    const unlinked = await account(gw);
    assert.equal(unlinked.configured, false);
  } finally {
    await gw.stop();
    home.cleanup();
    await control.close();
  }
});

test("web.login.start gives the Control UI a QR as a PNG data URL; web.login.wait reports the link", async () => {
  const control = await startWhatsAppControl();
  const gw = await start(control, {});
  const client = await gw.client();
  try {
    const starting = client.call<{ qrDataUrl?: string; qr?: string; connected: boolean }>("web.login.start", {
      channel: "whatsapp",
    });
    const socket = await control.live();
    socket.qr("2@ui-qr,EEEE");
    const started = await starting;
    assert.equal(started.connected, false);
    assert.match(String(started.qrDataUrl), /^data:image\/png;base64,/);
    assert.ok(Buffer.from(started.qrDataUrl!.split(",")[1]!, "base64").length < 16_384, "under upstream's 16 KB");
    const waiting = client.call<{ connected: boolean }>("web.login.wait", {
      channel: "whatsapp",
      currentQrDataUrl: started.qrDataUrl,
      timeoutMs: 10_000,
    });
    socket.link();
    assert.equal((await waiting).connected, true);
    await assert.rejects(client.call("web.login.start", { channel: "telegram" }), /does not support login/);
  } finally {
    await client.close();
    await gw.stop();
    gw.home.cleanup();
    await control.close();
  }
});

test("channels status --probe --json: Telegram, Discord and WhatsApp in one gateway, one of them failing", async () => {
  const control = await startWhatsAppControl();
  const telegram = await startFakeTelegram();
  const discord = await startFakeDiscord();
  const port = await freePort();
  const home = makeHome();
  const gw = await startGateway({
    port,
    home,
    env: {
      OPENCLAW_WHATSAPP_SOCKET_MODULE: FAKE_SOCKET_MODULE,
      OPENCLAW_FAKE_WHATSAPP_CONTROL: control.url,
      DISCORD_API_URL: discord.apiUrl,
    },
    config: configFor(
      port,
      {},
      {
        telegram: { botToken: telegram.token, apiRoot: telegram.url, pollTimeoutSeconds: 1 },
        // A token the fake does not know: 401 at start.
        discord: { token: "MTIz.bad.token-that-the-fake-refuses" },
      },
    ),
  });
  try {
    await linkFromCli(gw, control);
    const deadline = Date.now() + 15_000;
    let status: {
      channelOrder: string[];
      channelAccounts: Record<string, { state: string; probe?: { ok: boolean } }[]>;
      statusIssues: { channel: string; kind: string }[];
    };
    for (;;) {
      const r = await home.run(["channels", "status", "--probe", "--json"], {
        env: { OPENCLAW_GATEWAY_PORT: String(port) },
      });
      status = JSON.parse(r.stdout);
      const states = status.channelOrder.map((c) => status.channelAccounts[c]![0]!.state);
      if (states.join() === "connected,error,connected" || Date.now() > deadline) break;
      await new Promise((r2) => setTimeout(r2, 200));
    }
    assert.deepEqual(status.channelOrder, ["telegram", "discord", "whatsapp"]);
    assert.deepEqual(
      status.channelOrder.map((c) => status.channelAccounts[c]![0]!.state),
      ["connected", "error", "connected"],
    );
    assert.equal(status.channelAccounts.whatsapp![0]!.probe?.ok, true);
    assert.equal(status.channelAccounts.telegram![0]!.probe?.ok, true);
    assert.deepEqual(
      status.statusIssues.map((i) => i.channel),
      ["discord"],
    );
    const ready = await fetch(`${gw.http}/readyz`);
    assert.deepEqual(((await ready.json()) as { failing: string[] }).failing, ["discord"]);
  } finally {
    await gw.stop();
    home.cleanup();
    await control.close();
    await telegram.close();
    await discord.close();
  }
});
