import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { createLogger } from "../../logging/logger.js";
import { adapterConformance } from "../contract.case.js";
import { createAdapter } from "./adapter.js";
import { startFakeDiscord } from "./fake-discord.test-utils.js";

adapterConformance("discord", createAdapter, async () => {
  const fake = await startFakeDiscord();
  return {
    account: (good) => ({
      token: good ? fake.token : "MWRONG.token-the-fake-refuses",
      settings: { apiUrl: fake.apiUrl, stallSeconds: 5 },
    }),
    sendDm: (fromId, text) => fake.dm(fromId, text),
    sendGroupMention: (groupId, fromId, text) => fake.guildMessage(groupId, `ch${groupId}`, fromId, text, true),
    dmChatId: (fromId) => `dm${fromId}`,
    groupChatId: (groupId) => `ch${groupId}`,
    lastSent: () => {
      const last = fake.posts.at(-1);
      // Discord formats Markdown itself: a plain send escapes it.
      return last
        ? { chatId: last.channelId, text: last.content, formatted: !last.content.includes("\\*") }
        : undefined;
    },
    typingSent: () => fake.typing(),
    calls: () => fake.requests(),
    close: () => fake.close(),
  };
});

test("discord adapter: Discord unreachable at start is retried until it answers", async () => {
  const probe = createServer();
  const port = await new Promise<number>((r) =>
    probe.listen(0, "127.0.0.1", () => r((probe.address() as AddressInfo).port)),
  );
  await new Promise((r) => probe.close(r));
  const state: Record<string, unknown> = {};
  const adapter = createAdapter(
    {
      channel: "discord",
      accountId: "default",
      token: "MTEST.fake-discord-bot-token.for-tests-only",
      settings: { apiUrl: `http://127.0.0.1:${port}/api/v10` },
    },
    {
      log: createLogger({ level: "silent" }, "test"),
      inbound: () => undefined,
      state: (patch) => Object.assign(state, patch),
      cursor: { load: () => undefined, save: () => undefined },
    },
  );
  let fake: Awaited<ReturnType<typeof startFakeDiscord>> | undefined;
  try {
    await adapter.start();
    assert.equal(state.connected, false);
    assert.match(String(state.lastError), /cannot reach Discord .*retrying/);
    fake = await startFakeDiscord({ port });
    const deadline = Date.now() + 15_000;
    const connected = () => state.connected === true;
    while (!connected() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(state.connected, true, `connected once Discord answers (${String(state.lastError)})`);
  } finally {
    await adapter.stop(2000);
    await fake?.close();
  }
});
