/**
 * A fake Telegram Bot API server on loopback, speaking the real wire format at `/bot<token>/<method>`:
 * `getMe`, `deleteWebhook`, long-poll `getUpdates` with offsets, `sendMessage` (HTML refused when the text
 * holds `[reject-markup]`), `sendChatAction`, `editMessageText`, `setMyCommands`; 401 for a wrong token;
 * 409 for the older of two concurrent pollers. Tests push updates and read what the bot sent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface SentCall {
  readonly method: string;
  readonly payload: Record<string, unknown>;
  readonly at: number;
}

interface Poll {
  res: ServerResponse;
  offset: number;
  timer: NodeJS.Timeout;
}

export interface PushInput {
  chatId: number;
  fromId: number;
  text: string;
  chatType?: "private" | "group" | "supergroup";
  username?: string;
  firstName?: string;
  mentionBot?: boolean;
}

export interface FakeTelegram {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly calls: SentCall[];
  /** Every request, refused ones included (a wrong token is answered 401 and not in `calls`). */
  requests(): number;
  /** A private or group message from a user; returns the update. */
  push(input: PushInput): Record<string, unknown>;
  /** Sends an update again, as Telegram does when the offset was not confirmed. */
  redeliver(update: Record<string, unknown>): void;
  sent(method?: string): SentCall[];
  /** Waits until `predicate` holds over the calls (bounded). */
  waitFor(predicate: (calls: SentCall[]) => boolean, timeoutMs?: number): Promise<SentCall[]>;
  /** Stops answering: open polls are cut and the port is closed (`start` opens it again). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** The next n sendMessage calls fail with 500. */
  failSends(n: number): void;
  /** The webhook set with setWebhook, if any. */
  webhook(): { url: string; secret: string } | undefined;
  /** Posts a new message update to the webhook as Telegram would; `secret` overrides the registered one. */
  postToWebhook(input: PushInput, secret?: string): Promise<number>;
  /** What getWebhookInfo reports as the last failed delivery (Telegram's last_error_*). */
  failWebhookDeliveries(message: string): void;
  close(): Promise<void>;
}

export const BOT = {
  id: 7000001,
  is_bot: true,
  first_name: "Claw",
  username: "claw_test_bot",
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
};

function reply(res: ServerResponse, status: number, payload: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(payload));
}
const ok = (res: ServerResponse, result: unknown) => reply(res, 200, { ok: true, result });
const fail = (res: ServerResponse, code: number, description: string) =>
  reply(res, code, { ok: false, error_code: code, description });

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString();
  if (!text) return {};
  if ((req.headers["content-type"] ?? "").includes("json")) return JSON.parse(text) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(text));
}

export async function startFakeTelegram(options: { token?: string; port?: number } = {}): Promise<FakeTelegram> {
  const token = options.token ?? "123456:TEST-token-for-the-fake-bot-api";
  const calls: SentCall[] = [];
  const updates: Record<string, unknown>[] = [];
  const forced: Record<string, unknown>[] = [];
  const polls = new Set<Poll>();
  let nextUpdate = 1000;
  let nextMessage = 1;
  let failures = 0;
  let requestCount = 0;
  let hook: { url: string; secret: string } | undefined;
  let hookError: { date: number; message: string } | undefined;
  let server: Server | undefined;
  let port = options.port ?? 0;

  const makeUpdate = (input: PushInput): Record<string, unknown> => {
    const chatType = input.chatType ?? "private";
    const text = input.mentionBot ? `@${BOT.username} ${input.text}` : input.text;
    const update = {
      update_id: nextUpdate++,
      message: {
        message_id: nextMessage++,
        date: Math.floor(Date.now() / 1000),
        chat: {
          id: input.chatId,
          type: chatType,
          ...(chatType === "private" ? { first_name: input.firstName ?? "User" } : { title: "Group" }),
        },
        from: {
          id: input.fromId,
          is_bot: false,
          first_name: input.firstName ?? `User${input.fromId}`,
          username: input.username ?? `user${input.fromId}`,
        },
        text,
        ...(input.mentionBot ? { entities: [{ type: "mention", offset: 0, length: BOT.username.length + 1 }] } : {}),
      },
    };
    return update;
  };
  const pending = (offset: number) => [
    ...forced.splice(0),
    ...updates.filter((u) => (u.update_id as number) >= offset),
  ];
  const wake = () => {
    for (const poll of polls) {
      const ready = pending(poll.offset);
      if (ready.length === 0) continue;
      clearTimeout(poll.timer);
      polls.delete(poll);
      ok(poll.res, ready);
    }
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? "");
    if (!match) return fail(res, 404, "Not Found");
    const [, given, method] = match;
    const payload = await readBody(req);
    requestCount++;
    if (given !== token) return fail(res, 401, "Unauthorized");
    calls.push({ method: method!, payload, at: Date.now() });
    switch (method) {
      case "getMe":
        return ok(res, BOT);
      case "setWebhook":
        if (!/^https?:\/\//.test(String(payload.url ?? "")))
          return fail(res, 400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook");
        hook = { url: String(payload.url), secret: String(payload.secret_token ?? "") };
        return ok(res, true);
      case "getWebhookInfo":
        return ok(res, {
          url: hook?.url ?? "",
          has_custom_certificate: false,
          pending_update_count: 0,
          ...(hookError ? { last_error_date: hookError.date, last_error_message: hookError.message } : {}),
        });
      case "deleteWebhook":
        hook = undefined;
        return ok(res, true);
      case "setMyCommands":
      case "deleteMyCommands":
      case "sendChatAction":
        return ok(res, true);
      case "getUpdates": {
        if (hook)
          return fail(
            res,
            409,
            "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
          );
        const offset = Number(payload.offset ?? 0);
        // Telegram ends the older long poll when another one arrives for the same bot.
        for (const poll of polls) {
          clearTimeout(poll.timer);
          polls.delete(poll);
          fail(
            poll.res,
            409,
            "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
          );
        }
        const ready = pending(offset);
        const timeout = Number(payload.timeout ?? 0);
        if (ready.length > 0 || timeout === 0) return ok(res, ready);
        const poll: Poll = { res, offset, timer: setTimeout(() => (polls.delete(poll), ok(res, [])), timeout * 1000) };
        polls.add(poll);
        res.on("close", () => {
          clearTimeout(poll.timer);
          polls.delete(poll);
        });
        return;
      }
      case "sendMessage":
      case "editMessageText": {
        if (failures > 0) {
          failures--;
          return fail(res, 500, "Internal Server Error: try again");
        }
        const text = String(payload.text ?? "");
        if (payload.parse_mode === "HTML" && text.includes("[reject-markup]"))
          return fail(res, 400, 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0');
        if (text.length > 4096) return fail(res, 400, "Bad Request: message is too long");
        return ok(res, {
          message_id: nextMessage++,
          date: Math.floor(Date.now() / 1000),
          chat: { id: Number(payload.chat_id), type: "private" },
          text,
        });
      }
      default:
        return fail(res, 404, `Not Found: method ${method} is not in the fake`);
    }
  }

  const fake: FakeTelegram = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    token,
    calls,
    requests: () => requestCount,
    push(input) {
      const update = makeUpdate(input);
      updates.push(update);
      wake();
      return update;
    },
    webhook: () => hook,
    failWebhookDeliveries(message) {
      hookError = { date: Math.floor(Date.now() / 1000) + 1, message };
    },
    async postToWebhook(input, secret) {
      if (!hook) throw new Error("fake Telegram: no webhook is set");
      const res = await fetch(hook.url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secret ?? hook.secret },
        body: JSON.stringify(makeUpdate(input)),
      });
      await res.arrayBuffer();
      return res.status;
    },
    redeliver(update) {
      forced.push(update);
      wake();
    },
    sent: (method) => calls.filter((c) => method === undefined || c.method === method),
    async waitFor(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(calls)) {
        if (Date.now() > deadline)
          throw new Error(
            `fake Telegram: timed out; calls: ${JSON.stringify(calls.map((c) => [c.method, c.payload.text ?? ""]))}`,
          );
        await new Promise((r) => setTimeout(r, 25));
      }
      return calls;
    },
    failSends(n) {
      failures = n;
    },
    async start() {
      server = createServer((req, res) => void handle(req, res).catch(() => fail(res, 500, "fake failed")));
      await new Promise<void>((resolve) => server!.listen(port, "127.0.0.1", resolve));
      port = (server.address() as AddressInfo).port;
    },
    async stop() {
      for (const poll of polls) {
        clearTimeout(poll.timer);
        poll.res.destroy();
      }
      polls.clear();
      const s = server;
      server = undefined;
      if (s) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
    close: () => fake.stop(),
  };
  await fake.start();
  return fake;
}
