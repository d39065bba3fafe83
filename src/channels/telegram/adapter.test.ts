import { adapterConformance } from "../contract.case.js";
import { createAdapter } from "./adapter.js";
import { startFakeTelegram } from "./fake-bot-api.test-utils.js";

adapterConformance("telegram", createAdapter, async () => {
  const fake = await startFakeTelegram();
  return {
    account: (good) => ({
      token: good ? fake.token : "999999:WRONG-token-that-the-fake-refuses",
      settings: { apiRoot: fake.url, pollTimeoutSeconds: 1 },
    }),
    sendDm: (fromId, text) => void fake.push({ chatId: Number(fromId), fromId: Number(fromId), text }),
    sendGroupMention: (groupId, fromId, text) =>
      void fake.push({
        chatId: Number(groupId),
        fromId: Number(fromId),
        text,
        chatType: "supergroup",
        mentionBot: true,
      }),
    lastSent: () => {
      const last = fake.sent("sendMessage").at(-1);
      return last
        ? {
            chatId: String(last.payload.chat_id),
            text: String(last.payload.text),
            formatted: last.payload.parse_mode === "HTML",
          }
        : undefined;
    },
    dmChatId: (fromId) => fromId,
    groupChatId: (groupId) => groupId,
    rejectedMarkup: "**bold** [reject-markup]",
    typingSent: () => fake.sent("sendChatAction").length,
    calls: () => fake.requests(),
    close: () => fake.close(),
  };
});
