import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { AdapterHost, TransportState } from "../contract.js";
import { clearAuthDir, isLinked, openAuthState, type BaileysAuthLib } from "./auth-store.js";
import { createAdapter } from "./baileys.js";
import { adapterConformance } from "../contract.case.js";
import {
  createWhatsAppAdapter,
  normalize,
  senderIdOf,
  textOf,
  whatsappMarkup,
  type SocketFactory,
  type WaSocket,
} from "./adapter.js";

const own = { id: "15550009999:7@s.whatsapp.net", lid: "88888@lid" };

test("messages: DMs and groups, LIDs with their phone number, mentions and replies to us; what is never answered", () => {
  const dm = normalize(
    { key: { remoteJid: "15551230001@s.whatsapp.net", id: "A1" }, pushName: "Ann", message: { conversation: "hi" } },
    own,
    "default",
  )!;
  assert.deepEqual(
    [dm.chatType, dm.chatId, dm.senderId, dm.senderName, dm.text, dm.mentioned, dm.deliveryId],
    ["dm", "15551230001@s.whatsapp.net", "+15551230001", "Ann", "hi", false, "15551230001@s.whatsapp.net:A1"],
  );
  const lid = normalize(
    {
      key: { remoteJid: "4242@lid", remoteJidAlt: "15551230002@s.whatsapp.net", id: "A2" },
      message: { conversation: "x" },
    },
    own,
    "default",
  )!;
  assert.equal(lid.senderId, "+15551230002", "the phone number behind a LID, for allowFrom");
  const group = normalize(
    {
      key: { remoteJid: "1203@g.us", participant: "15551230003@s.whatsapp.net", id: "A3" },
      message: {
        extendedTextMessage: { text: "@bot hi", contextInfo: { mentionedJid: ["15550009999@s.whatsapp.net"] } },
      },
    },
    own,
    "default",
  )!;
  assert.deepEqual([group.chatType, group.senderId, group.mentioned], ["group", "+15551230003", true]);
  const reply = normalize(
    {
      key: { remoteJid: "1203@g.us", participant: "15551230003@s.whatsapp.net", id: "A4" },
      message: { extendedTextMessage: { text: "yes", contextInfo: { participant: "88888@lid", stanzaId: "OUT1" } } },
    },
    own,
    "default",
  )!;
  assert.deepEqual([reply.mentioned, reply.replyToId], [true, "OUT1"], "a reply to one of ours counts as a mention");
  for (const ignored of [
    {
      key: { remoteJid: "status@broadcast", participant: "1@s.whatsapp.net", id: "S" },
      message: { conversation: "s" },
    },
    { key: { remoteJid: "123@newsletter", id: "N" }, message: { conversation: "n" } },
    { key: { remoteJid: "15551230001@s.whatsapp.net", id: "M", fromMe: true }, message: { conversation: "mine" } },
    { key: { remoteJid: "15551230001@s.whatsapp.net", id: "R" }, message: { reactionMessage: { text: "👍" } } },
  ])
    assert.equal(normalize(ignored, own, "default"), undefined, JSON.stringify(ignored.key));
  assert.equal(textOf({ imageMessage: {} }), "<media:image>");
  assert.equal(textOf({ imageMessage: { caption: "look" } }), "look");
  assert.equal(textOf({ ephemeralMessage: { message: { conversation: "secret" } } }), "secret");
  assert.equal(senderIdOf("15551230001:12@s.whatsapp.net"), "+15551230001");
});

const lib: BaileysAuthLib = {
  initAuthCreds: (): Record<string, unknown> => ({ fresh: true }),
  BufferJSON: { replacer: (_k, v) => v, reviver: (_k, v) => v },
  appStateSyncKey: (v) => ({ wrapped: v }),
};

test("credentials: files 0600 in a 0700 directory; the previous creds.json is kept and read when the new one is torn", async () => {
  const dir = join(mkdtempSync(join(tmpdir(), "oc-wa-auth-")), "default");
  try {
    const auth = openAuthState(dir, lib);
    assert.deepEqual(auth.state.creds, { fresh: true });
    assert.equal(isLinked(dir), false);
    const creds = auth.state.creds as Record<string, unknown>;
    creds.me = { id: "1@s.whatsapp.net" };
    auth.saveCreds();
    creds.me = { id: "2@s.whatsapp.net" };
    auth.saveCreds();
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, "creds.json")).mode & 0o777, 0o600);
    assert.match(readFileSync(join(dir, "creds.json.bak"), "utf8"), /1@s\.whatsapp\.net/);
    await auth.state.keys.set({
      "pre-key": { "1": { k: 1 }, "2": { k: 2 } },
      "app-state-sync-key": { "a:b/c": { s: 1 } },
    });
    await auth.state.keys.set({ "pre-key": { "2": null } });
    assert.deepEqual(await auth.state.keys.get("pre-key", ["1", "2"]), { "1": { k: 1 }, "2": undefined });
    assert.deepEqual(await auth.state.keys.get("app-state-sync-key", ["a:b/c"]), { "a:b/c": { wrapped: { s: 1 } } });
    // A write cut off by a crash (from a store that wrote in place): the backup is what is read.
    writeFileSync(join(dir, "creds.json"), '{"me":{"id":"2@s.wha');
    assert.deepEqual(openAuthState(dir, lib).state.creds.me, { id: "1@s.whatsapp.net" });
    assert.equal(isLinked(dir), true);
    assert.equal(clearAuthDir(dir), true);
    assert.equal(isLinked(dir), false);
    assert.equal(clearAuthDir(dir), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function recordingHost() {
  const state: Partial<TransportState> = {};
  const host: AdapterHost = {
    log: {
      trace() {},
      debug() {},
      info() {},
      warn() {},
      error() {},
      fatal() {},
      child: () => host.log,
      addSecret() {},
      close() {},
    },
    inbound: () => undefined,
    state: (patch) => Object.assign(state, patch),
    cursor: { load: () => undefined, save: () => undefined },
  };
  return { host, state };
}

test("the real Baileys package loads on this Node and builds a socket (to a closed loopback port: no network)", async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
  const port = (closed.address() as { port: number }).port;
  await new Promise((r) => closed.close(r));
  const dir = mkdtempSync(join(tmpdir(), "oc-wa-real-"));
  const { host, state } = recordingHost();
  const adapter = createAdapter(
    {
      channel: "whatsapp",
      accountId: "default",
      token: "",
      settings: { authDir: dir, webSocketUrl: `ws://127.0.0.1:${port}/ws/chat` },
    },
    host,
  );
  try {
    await adapter.start();
    assert.equal(state.running, true);
    assert.equal(state.connected, false);
    assert.match(String(state.lastError), /disconnected \(408 connectionLost\); reconnecting in \d+ s/);
    assert.equal(state.reconnectAttempts, 1);
  } finally {
    await adapter.stop(1000);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a send without a live listener fails fast (the manager retries); typing marks the chat's messages read", async () => {
  const ev = new EventEmitter();
  const calls: string[] = [];
  const sock = {
    ev,
    user: { id: own.id },
    sendMessage: async () => (calls.push("send"), { key: { id: "OUT" } }),
    sendPresenceUpdate: async (type: string) => void calls.push(type),
    readMessages: async (keys: unknown[]) => void calls.push(`read:${keys.length}`),
    end: () => void calls.push("end"),
    logout: async () => void calls.push("logout"),
  };
  const { host } = recordingHost();
  const inbound: unknown[] = [];
  const dir = mkdtempSync(join(tmpdir(), "oc-wa-unit-"));
  const adapter = createWhatsAppAdapter(
    { channel: "whatsapp", accountId: "default", token: "", settings: { authDir: dir } },
    { ...host, inbound: (m) => inbound.push(m) },
    { makeSocket: async () => sock as unknown as WaSocket, authLib: async () => lib },
  );
  try {
    const starting = adapter.start();
    await new Promise((r) => setImmediate(r));
    await assert.rejects(
      adapter.send({ chatId: "1@s.whatsapp.net" }, "x", { plain: false }),
      /no active WhatsApp Web listener/,
    );
    ev.emit("connection.update", { connection: "open" });
    await starting;
    ev.emit("messages.upsert", {
      type: "notify",
      messages: [{ key: { remoteJid: "1@s.whatsapp.net", id: "I1" }, message: { conversation: "a" } }],
    });
    ev.emit("messages.upsert", {
      type: "append",
      messages: [{ key: { remoteJid: "1@s.whatsapp.net", id: "I0" }, message: { conversation: "old" } }],
    });
    assert.equal(inbound.length, 1, "history appended after a reconnect is not answered");
    await adapter.typing({ chatId: "1@s.whatsapp.net" });
    assert.deepEqual(await adapter.send({ chatId: "1@s.whatsapp.net" }, "x", { plain: false }), { messageId: "OUT" });
    assert.deepEqual(calls, ["read:1", "composing", "send"]);
    assert.equal(await adapter.logout(), true);
  } finally {
    await adapter.stop(1000);
    rmSync(dir, { recursive: true, force: true });
  }
});

const jid = (id: string) => `${id}@s.whatsapp.net`;

/**
 * An in-process fake of Baileys' socket for the conformance suite: a linked account opens at once, an
 * unlinked one (refused credentials) is closed with 401 as WhatsApp does to a removed device.
 */
function conformancePlatform() {
  const sockets: EventEmitter[] = [];
  const sent: { chatId: string; text: string }[] = [];
  let typing = 0;
  let calls = 0;
  const dirs: string[] = [];
  const makeSocket: SocketFactory = async (options) => {
    calls++;
    const ev = new EventEmitter();
    sockets.push(ev);
    const linked = Boolean((options.auth.creds as { me?: unknown }).me);
    setImmediate(() =>
      ev.emit(
        "connection.update",
        linked
          ? { connection: "open" }
          : { connection: "close", lastDisconnect: { error: { output: { statusCode: 401 } } } },
      ),
    );
    return {
      ev,
      user: { id: "15550009999:1@s.whatsapp.net" },
      sendMessage: async (to: string, content: { text: string }) => {
        calls++;
        sent.push({ chatId: to, text: content.text });
        return { key: { id: `OUT${sent.length}` } };
      },
      sendPresenceUpdate: async () => void (calls++, typing++),
      readMessages: async () => void calls++,
      end: () => undefined,
      logout: async () => void calls++,
    } as unknown as WaSocket;
  };
  const emit = (message: unknown) => sockets.at(-1)!.emit("messages.upsert", { type: "notify", messages: [message] });
  return {
    makeSocket,
    platform: {
      account: (good: boolean) => {
        const dir = mkdtempSync(join(tmpdir(), "oc-wa-conf-"));
        dirs.push(dir);
        if (good)
          writeFileSync(join(dir, "creds.json"), JSON.stringify({ me: { id: "15550009999:1@s.whatsapp.net" } }));
        return { token: "", settings: { authDir: dir } };
      },
      sendDm: (fromId: string, text: string) =>
        emit({ key: { remoteJid: jid(fromId), id: `DM${fromId}${Date.now()}` }, message: { conversation: text } }),
      sendGroupMention: (groupId: string, fromId: string, text: string) =>
        emit({
          key: { remoteJid: `${groupId.replace("-", "")}@g.us`, participant: jid(fromId), id: `G${Date.now()}` },
          message: { extendedTextMessage: { text, contextInfo: { mentionedJid: ["15550009999@s.whatsapp.net"] } } },
        }),
      dmChatId: (fromId: string) => jid(fromId),
      senderId: (fromId: string) => `+${fromId}`,
      groupChatId: (groupId: string) => `${groupId.replace("-", "")}@g.us`,
      // WhatsApp's markup: the Markdown was turned into it (formatted), or sent as written (plain).
      lastSent: () => {
        const last = sent.at(-1);
        return last ? { chatId: last.chatId, text: last.text, formatted: !last.text.includes("**") } : undefined;
      },
      typingSent: () => typing,
      calls: () => calls,
      close: async () => {
        for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      },
    },
  };
}

/** The platform of the conformance run in progress (the suite builds the adapter and the platform apart). */
let current: ReturnType<typeof conformancePlatform>;

adapterConformance(
  "whatsapp",
  (account, host) => {
    const { makeSocket } = current;
    return createWhatsAppAdapter(account, host, { makeSocket, authLib: async () => lib });
  },
  async () => {
    current = conformancePlatform();
    return current.platform;
  },
);
test("Markdown becomes WhatsApp's markup, code left alone", () => {
  assert.equal(whatsappMarkup("**bold** and ~~gone~~ and _it_"), "*bold* and ~gone~ and _it_");
  assert.equal(whatsappMarkup("# Title\ntext"), "*Title*\ntext");
  assert.equal(whatsappMarkup("`**not bold**` and ```\n**raw**\n```"), "`**not bold**` and ```\n**raw**\n```");
});
