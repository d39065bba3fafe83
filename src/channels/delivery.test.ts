import assert from "node:assert/strict";
import { test } from "node:test";
import { chunkText, sessionKeyFor } from "./delivery.js";

test("chunks stay within the limit, prefer paragraph, line and word boundaries, and lose nothing", () => {
  assert.deepEqual(chunkText("short", 10), ["short"]);
  assert.deepEqual(chunkText("", 10), []);
  const words = Array.from({ length: 300 }, (_, i) => `word${i}`).join(" ");
  const chunks = chunkText(words, 100);
  assert.ok(chunks.every((c) => c.length <= 100));
  assert.equal(chunks.join(" "), words);
  assert.deepEqual(chunkText(`${"a".repeat(80)}\n\n${"b".repeat(80)}`, 100), ["a".repeat(80), "b".repeat(80)]);
  // No boundary near the limit: a hard cut, never between the halves of a surrogate pair.
  const emoji = "😀".repeat(60);
  for (const chunk of chunkText(emoji, 25)) assert.doesNotMatch(chunk, /^[\udc00-\udfff]|[\ud800-\udbff]$/);
  assert.equal(chunkText(emoji, 25).join(""), emoji);
});

test("session keys follow session.dmScope and groupScope", () => {
  const dm = { channel: "telegram", accountId: "work", chatType: "dm" as const, chatId: "42", senderId: "42" };
  assert.equal(sessionKeyFor(dm, {}), "main");
  assert.equal(sessionKeyFor(dm, { dmScope: "per-peer" }), "direct:42");
  assert.equal(sessionKeyFor(dm, { dmScope: "per-channel-peer" }), "telegram:direct:42");
  assert.equal(sessionKeyFor(dm, { dmScope: "per-account-channel-peer" }), "telegram:work:direct:42");
  const group = { ...dm, chatType: "group" as const, chatId: "-100123", threadId: "7" };
  assert.equal(sessionKeyFor(group, {}), "telegram:group:-100123:topic:7");
  assert.equal(sessionKeyFor(group, { groupScope: "main" }), "main");
  assert.match(sessionKeyFor({ ...dm, senderId: "Üser/../x" }, { dmScope: "per-peer" }), /^direct:[\w.-]+$/);
});
