/**
 * What delivery needs besides the adapter: text cut into chunks at the channel's limit, and session keys
 * for where a message came from (upstream's `session.dmScope` / `groupScope`).
 * @module
 */
import type { InboundMessage } from "./contract.js";

/**
 * Cuts text into pieces of at most `limit` characters (and `maxLines` lines), at a paragraph, a line or a
 * space when one is near.
 */
export function chunkText(text: string, limit: number, maxLines = Infinity): string[] {
  if (maxLines !== Infinity)
    return chunkText(text, limit).flatMap((chunk) => {
      const lines = chunk.split("\n");
      const out: string[] = [];
      for (let i = 0; i < lines.length; i += maxLines) out.push(lines.slice(i, i + maxLines).join("\n"));
      return out.filter((c) => c.trim() !== "");
    });
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit);
    // Prefer a boundary in the last third of the window, so chunks stay close to the limit.
    const floor = Math.floor(limit * 0.66);
    let cut = Math.max(window.lastIndexOf("\n\n"), -1);
    if (cut < floor) cut = window.lastIndexOf("\n");
    if (cut < floor) cut = window.lastIndexOf(" ");
    if (cut < floor) cut = limit;
    // Never between the two halves of a surrogate pair.
    const code = rest.charCodeAt(cut - 1);
    if (cut === limit && code >= 0xd800 && code <= 0xdbff) cut--;
    chunks.push(rest.slice(0, cut).replace(/\s+$/, ""));
    rest = rest.slice(cut).replace(/^\n+/, "");
    if (rest.startsWith(" ")) rest = rest.slice(1);
  }
  if (rest.trim() !== "") chunks.push(rest);
  return chunks.filter((c) => c !== "");
}

/** A platform id as a session key part: lowercase, and only the characters session keys allow. */
const safe = (id: string) => id.toLowerCase().replace(/[^\w.-]/g, "_");

export type DmScope = "main" | "per-peer" | "per-channel-peer" | "per-account-channel-peer";

/** The session a message belongs to, in the short form the session store uses (`agent:<id>:` left off). */
export function sessionKeyFor(
  message: Pick<InboundMessage, "channel" | "accountId" | "chatType" | "chatId" | "senderId" | "threadId">,
  scope: { dmScope?: DmScope | undefined; groupScope?: "per-group" | "main" | undefined },
): string {
  if (message.chatType === "group") {
    if (scope.groupScope === "main") return "main";
    // Upstream's key for a Discord guild channel (threads are channels there).
    if (message.channel === "discord") return `discord:channel:${safe(message.chatId)}`;
    const base = `${message.channel}:group:${safe(message.chatId)}`;
    return message.threadId ? `${base}:topic:${safe(message.threadId)}` : base;
  }
  const peer = safe(message.senderId);
  switch (scope.dmScope ?? "main") {
    case "per-peer":
      return `direct:${peer}`;
    case "per-channel-peer":
      return `${message.channel}:direct:${peer}`;
    case "per-account-channel-peer":
      return `${message.channel}:${safe(message.accountId)}:direct:${peer}`;
    default:
      return "main";
  }
}
