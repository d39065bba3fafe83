/** `channels.status|start|stop|logout` and `send`, over the channel manager. @module */
import * as v from "valibot";
import { ChannelError } from "../../channels/manager.js";
import { ErrorCodes, GatewayError, invalidRequest } from "../../protocol/errors.js";
import type { MethodHandler } from "./index.js";
import { parseParams } from "./params.js";

const channelId = v.pipe(v.string(), v.regex(/^[a-z][a-z0-9-]{0,31}$/, "Expected a channel id such as telegram"));
const accountId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, "Expected an account id"));
const target = v.looseObject({ channel: channelId, accountId: v.optional(accountId) });
const sent = new Map<string, { at: number; result: unknown }>();

/** A manager call whose refusals (no such account, not supported) become INVALID_REQUEST with the hint. */
async function channelCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ChannelError)
      throw new GatewayError(ErrorCodes.INVALID_REQUEST, error.message, { details: { hint: error.hint } });
    throw error;
  }
}

export const handlers: Record<string, MethodHandler> = {
  "channels.status": async ({ runtime, params }) => {
    const p = parseParams(
      "channels.status",
      v.looseObject({
        probe: v.optional(v.boolean()),
        timeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(120_000))),
        channel: v.optional(channelId),
      }),
      params,
    );
    return runtime.channels.status({ probe: p.probe, timeoutMs: p.timeoutMs, channel: p.channel });
  },

  "channels.start": async ({ runtime, params }) => {
    const p = parseParams("channels.start", target, params);
    const outcome = await runtime.channels.startAccount(p.channel, p.accountId);
    return {
      channel: p.channel,
      accountId: p.accountId ?? "default",
      started: outcome.started,
      outcome: outcome.started ? { status: "handed-off" } : { status: "skipped", reason: outcome.reason },
    };
  },

  "channels.stop": async ({ runtime, params }) => {
    const p = parseParams("channels.stop", target, params);
    return {
      channel: p.channel,
      accountId: p.accountId ?? "default",
      stopped: await runtime.channels.stopAccount(p.channel, p.accountId),
    };
  },

  "channels.logout": async ({ runtime, params }) => {
    const p = parseParams("channels.logout", target, params);
    // Telegram and Discord have no session to unlink: their credential is the bot token in the config.
    if (p.channel !== "whatsapp") throw invalidRequest(`channel ${p.channel} does not support logout`);
    const outcome = await channelCall(() => runtime.channels.logout(p.channel, p.accountId));
    return { channel: p.channel, accountId: p.accountId ?? "default", ...outcome };
  },

  "web.login.start": async ({ runtime, params }) => {
    const p = parseParams(
      "web.login.start",
      v.looseObject({
        channel: v.optional(channelId),
        accountId: v.optional(accountId),
        force: v.optional(v.boolean()),
        timeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1000), v.maxValue(120_000))),
      }),
      params,
    );
    return channelCall(() =>
      runtime.channels.loginStart(p.channel ?? "whatsapp", p.accountId, { force: p.force, timeoutMs: p.timeoutMs }),
    );
  },

  "web.login.wait": async ({ runtime, params }) => {
    const p = parseParams(
      "web.login.wait",
      v.looseObject({
        channel: v.optional(channelId),
        accountId: v.optional(accountId),
        timeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(300_000))),
        currentQrDataUrl: v.optional(v.pipe(v.string(), v.maxLength(100_000))),
        currentQr: v.optional(v.pipe(v.string(), v.maxLength(10_000))),
      }),
      params,
    );
    const channel = p.channel ?? "whatsapp";
    return channelCall(() =>
      runtime.channels.loginWait(channel, p.accountId, {
        timeoutMs: p.timeoutMs,
        currentQr: p.currentQr,
        currentQrDataUrl: p.currentQrDataUrl,
      }),
    );
  },

  send: async ({ runtime, params }) => {
    const p = parseParams(
      "send",
      v.looseObject({
        to: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
        idempotencyKey: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
        message: v.pipe(v.string(), v.minLength(1, "message is empty"), v.maxLength(100_000)),
        channel: v.optional(channelId),
        accountId: v.optional(accountId),
      }),
      params,
    );
    // A retried send with the same key is answered, not sent twice (kept for ten minutes).
    const now = Date.now();
    for (const [key, entry] of sent) if (now - entry.at > 600_000 || sent.size > 1000) sent.delete(key);
    const previous = sent.get(p.idempotencyKey);
    if (previous) return previous.result;
    try {
      const channel = p.channel ?? "telegram";
      const delivered = await runtime.channels.send({ channel, accountId: p.accountId, to: p.to, text: p.message });
      const result = {
        runId: p.idempotencyKey,
        messageId: delivered.messageIds.at(-1),
        messageIds: delivered.messageIds,
        chunks: delivered.chunks,
        channel,
      };
      sent.set(p.idempotencyKey, { at: now, result });
      return result;
    } catch (error) {
      if (error instanceof ChannelError)
        throw new GatewayError(ErrorCodes.INVALID_REQUEST, error.message, { details: { hint: error.hint } });
      throw new GatewayError(ErrorCodes.UNAVAILABLE, `send failed: ${(error as Error).message}`, {
        details: { hint: "See the gateway's log: openclaw logs --level warn" },
      });
    }
  },
};
