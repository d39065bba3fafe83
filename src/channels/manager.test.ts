import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { OpenClawConfig } from "../config/schema.js";
import { createLogger } from "../logging/logger.js";
import type { AdapterFactory, ChannelAdapter, InboundMessage } from "./contract.js";
import { ChannelManager } from "./manager.js";

/** An adapter that records its life; `loadDelayMs` plays a slow library import. */
function recordingFactory(opened: string[], stopped: string[]): AdapterFactory {
  return (account, host): ChannelAdapter => ({
    textLimit: 10,
    async start() {
      opened.push(account.accountId);
      host.state({ running: true, connected: true, lastConnectedAt: Date.now() });
    },
    async stop() {
      stopped.push(account.accountId);
      host.state({ running: false, connected: false });
    },
    probe: async () => ({ ok: true, elapsedMs: 0 }),
    send: async () => ({ messageId: "1" }),
    typing: async () => undefined,
  });
}

function manager(load: () => Promise<AdapterFactory>) {
  const dir = mkdtempSync(join(tmpdir(), "oc-manager-"));
  const config = { channels: { telegram: { botToken: "1:x" } } } as unknown as OpenClawConfig;
  return new ChannelManager(config, {
    log: createLogger({ level: "silent" }, "test"),
    env: {},
    stateDir: dir,
    credentialsDir: join(dir, "credentials"),
    runTurn: async () => ({ text: "" }),
    record: () => undefined,
    load,
  });
}

test("starts that overlap open one connection; a stop during the library load opens none", async () => {
  const opened: string[] = [];
  const stopped: string[] = [];
  const slow = () => new Promise<AdapterFactory>((r) => setTimeout(() => r(recordingFactory(opened, stopped)), 50));
  const m = manager(slow);
  await Promise.all([m.start(), m.startAccount("telegram"), m.start()]);
  assert.equal(
    opened.length - stopped.length,
    1,
    `one live adapter (opened ${opened.length}, stopped ${stopped.length})`,
  );
  const status = (await m.status()) as { channelAccounts: { telegram: { state: string }[] } };
  assert.equal(status.channelAccounts.telegram[0]!.state, "connected");

  const late: string[] = [];
  const m2 = manager(() => new Promise((r) => setTimeout(() => r(recordingFactory(late, [])), 50)));
  const starting = m2.start();
  await m2.stop(1000);
  await starting;
  assert.deepEqual(late, [], "stopped before the library loaded: nothing opened");
});

test("guild rules: users or roles admit, mention gating holds; other bots only when they mention ours", async () => {
  const dir = mkdtempSync(join(tmpdir(), "oc-manager-"));
  const turns: string[] = [];
  let host: Parameters<AdapterFactory>[1] | undefined;
  const factory: AdapterFactory = (_account, h) => {
    host = h;
    return {
      textLimit: 100,
      start: async () => void h.state({ running: true, connected: true }),
      stop: async () => undefined,
      probe: async () => ({ ok: true, elapsedMs: 0 }),
      send: async () => ({ messageId: "1" }),
      typing: async () => undefined,
    };
  };
  const config = {
    channels: {
      discord: {
        token: "t",
        allowBots: "mentions",
        guilds: { g1: { users: ["u1"], roles: ["r-mod"], requireMention: true } },
      },
    },
  } as unknown as OpenClawConfig;
  const m = new ChannelManager(config, {
    log: createLogger({ level: "silent" }, "test"),
    env: {},
    stateDir: dir,
    credentialsDir: join(dir, "credentials"),
    runTurn: async ({ message }) => (turns.push(message), { text: "" }),
    record: () => undefined,
    load: async () => factory,
  });
  await m.start();
  let n = 0;
  const say = (text: string, extra: Partial<InboundMessage>) =>
    host!.inbound({
      channel: "discord",
      accountId: "default",
      chatType: "group",
      chatId: "c1",
      groupId: "g1",
      senderId: "someone",
      text,
      messageId: String(++n),
      deliveryId: String(n),
      mentioned: true,
      ...extra,
    });
  say("by user", { senderId: "u1" });
  say("by role", { senderRoles: ["r-mod"] });
  say("no role", { senderRoles: ["r-other"] });
  say("not mentioned", { senderId: "u1", mentioned: false });
  say("other guild", { senderId: "u1", groupId: "g2" });
  say("bot mentioning", { senderId: "u1", fromBot: true });
  say("bot chatter", { senderId: "u1", fromBot: true, mentioned: false });
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(turns, ["by user", "by role", "bot mentioning"]);
  await m.stop(1000);
});
