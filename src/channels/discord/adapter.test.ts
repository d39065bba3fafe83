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
