/**
 * The adapter conformance suite: what every channel adapter must do, run against each one with its own
 * fake platform (Telegram: the fake Bot API). A new channel passes these before the manager sees it.
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createLogger } from "../logging/logger.js";
import {
  initialTransportState,
  MarkupRejectedError,
  type AdapterFactory,
  type AdapterHost,
  type ChannelAdapter,
  type InboundMessage,
  type TransportState,
} from "./contract.js";

/** One fake platform, as the suite drives it. */
export interface ConformancePlatform {
  /** Settings and token that point an adapter at this fake (`good: false`: credentials it refuses). */
  account(good: boolean): { token: string; settings: Record<string, unknown> };
  /** A DM from a user, or a group message that mentions the bot. */
  sendDm(fromId: string, text: string): void;
  sendGroupMention(groupId: string, fromId: string, text: string): void;
  /** The chat id a reply to that DM or group message goes to (Telegram: the user or group; Discord: the channel). */
  dmChatId(fromId: string): string;
  /** The sender id a message from `fromId` carries (WhatsApp: the E.164 number); the id itself by default. */
  senderId?(fromId: string): string;
  groupChatId(groupId: string): string;
  /** The last text the bot sent, and whether it was formatted. */
  lastSent(): { chatId: string; text: string; formatted: boolean } | undefined;
  /** A text the platform refuses to format (the adapter must say so with MarkupRejectedError). */
  readonly rejectedMarkup?: string | undefined;
  typingSent(): number;
  calls(): number;
  close(): Promise<void>;
}

interface Harness {
  adapter: ChannelAdapter;
  state: TransportState;
  inbound: InboundMessage[];
}

function harness(
  factory: AdapterFactory,
  channel: string,
  account: { token: string; settings: Record<string, unknown> },
): Harness {
  const state = initialTransportState();
  const inbound: InboundMessage[] = [];
  let cursor: string | undefined;
  const host: AdapterHost = {
    log: createLogger({ level: "silent" }, "conformance"),
    inbound: (message) => inbound.push(message),
    state: (patch) => Object.assign(state, patch),
    cursor: { load: () => cursor, save: (value) => void (cursor = value) },
  };
  return { adapter: factory({ channel, accountId: "default", ...account }, host), state, inbound };
}

async function until(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function adapterConformance(
  channel: string,
  factory: AdapterFactory,
  makePlatform: () => Promise<ConformancePlatform>,
): void {
  test(`${channel} adapter: connects, normalises DMs and group mentions, sends, types, probes, stops`, async () => {
    const platform = await makePlatform();
    const h = harness(factory, channel, platform.account(true));
    try {
      await h.adapter.start();
      assert.equal(h.state.running, true);
      assert.equal(h.state.connected, true, `connected after start (lastError ${h.state.lastError})`);
      assert.ok(h.state.lastConnectedAt, "lastConnectedAt set");
      assert.ok(h.state.mode, "a mode is reported");

      platform.sendDm("501", "hello dm");
      platform.sendGroupMention("-900", "502", "hello group");
      await until(() => h.inbound.length >= 2, "two inbound messages");
      const [dm, group] = h.inbound;
      assert.equal(dm!.channel, channel);
      assert.equal(dm!.chatType, "dm");
      assert.equal(dm!.senderId, platform.senderId?.("501") ?? "501");
      assert.equal(dm!.chatId, platform.dmChatId("501"));
      assert.equal(dm!.text, "hello dm");
      assert.equal(dm!.mentioned, false);
      assert.ok(dm!.messageId && dm!.deliveryId, "ids for dedupe");
      assert.equal(group!.chatType, "group");
      assert.equal(group!.chatId, platform.groupChatId("-900"));
      assert.equal(group!.mentioned, true);
      assert.ok(h.state.lastTransportActivityAt, "transport activity recorded");

      const chat = platform.dmChatId("501");
      const sent = await h.adapter.send({ chatId: chat }, "**hi**", { plain: false });
      assert.ok(sent.messageId);
      assert.equal(platform.lastSent()?.formatted, true);
      assert.equal(platform.lastSent()?.chatId, chat);
      const rejected = platform.rejectedMarkup;
      if (rejected !== undefined) {
        await assert.rejects(h.adapter.send({ chatId: chat }, rejected, { plain: false }), MarkupRejectedError);
        await h.adapter.send({ chatId: chat }, rejected, { plain: true });
        assert.deepEqual(platform.lastSent(), { chatId: chat, text: rejected, formatted: false });
      } else {
        await h.adapter.send({ chatId: chat }, "**hi**", { plain: true });
        assert.equal(platform.lastSent()?.formatted, false, "a plain send is unformatted");
      }
      assert.ok(h.adapter.textLimit > 0);

      await h.adapter.typing({ chatId: chat });
      assert.ok(platform.typingSent() > 0);
      const probe = await h.adapter.probe(2000);
      assert.equal(probe.ok, true);

      const started = Date.now();
      await h.adapter.stop(3000);
      assert.ok(Date.now() - started < 3000, "stopped within the budget");
      assert.equal(h.state.running, false);
      const calls = platform.calls();
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(platform.calls(), calls, "no platform call after stop");
    } finally {
      await h.adapter.stop(1000);
      await platform.close();
    }
  });

  test(`${channel} adapter: refused credentials are a terminal error with the next step, and no retry`, async () => {
    const platform = await makePlatform();
    const h = harness(factory, channel, platform.account(false));
    try {
      await h.adapter.start();
      assert.equal(h.state.terminal, true);
      assert.equal(h.state.connected, false);
      assert.match(h.state.lastError ?? "", /token|credential|unauthori[sz]ed/i);
      const calls = platform.calls();
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(platform.calls(), calls, "not retried");
      const probe = await h.adapter.probe(2000);
      assert.equal(probe.ok, false);
    } finally {
      await h.adapter.stop(1000);
      await platform.close();
    }
  });
}
