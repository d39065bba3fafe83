/**
 * A fake Discord on one loopback port, speaking the real wire format: REST under `/api/v10`
 * (`/gateway/bot`, `/users/@me`, channel messages and typing) and the gateway WebSocket (HELLO, IDENTIFY →
 * READY or close 4004/4014, heartbeats → ACKs unless playing a zombie, RESUME → RESUMED, MESSAGE_CREATE).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

export const DISCORD_BOT = {
  id: "900000000000000001",
  username: "claw-test",
  global_name: "Claw",
  bot: true,
  discriminator: "0",
};

export interface FakeDiscord {
  readonly url: string;
  /** The value for DISCORD_API_URL. */
  readonly apiUrl: string;
  readonly token: string;
  readonly posts: { channelId: string; content: string; reference?: string }[];
  typing(): number;
  requests(): number;
  dm(fromId: string, text: string): void;
  guildMessage(guildId: string, channelId: string, fromId: string, text: string, mention: boolean): void;
  /** Stop answering heartbeats (a zombie connection), or answer them again. */
  zombie(on: boolean): void;
  /** Cut every gateway socket without a close frame. */
  drop(): void;
  identifies(): number;
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
};

const send = (ws: WebSocket, frame: unknown) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(frame));

const author = (id: string) => ({
  id,
  username: `user${id}`,
  global_name: `User ${id}`,
  discriminator: "0",
  bot: false,
});

export async function startFakeDiscord(
  options: { token?: string; heartbeatMs?: number; messageContentAllowed?: boolean; port?: number } = {},
): Promise<FakeDiscord> {
  const token = options.token ?? "MTEST.fake-discord-bot-token.for-tests-only";
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const posts: FakeDiscord["posts"] = [];
  const sockets = new Set<WebSocket>();
  let typingCount = 0;
  let requestCount = 0;
  let identifyCount = 0;
  let zombie = false;
  let seq = 0;
  let nextId = 1_000_000;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      requestCount++;
      const path = (req.url ?? "").split("?")[0]!;
      if (req.headers.authorization !== `Bot ${token}`)
        return json(res, 401, { message: "401: Unauthorized", code: 0 });
      if (req.method === "GET" && path === "/api/v10/gateway/bot")
        return json(res, 200, {
          url: `ws://127.0.0.1:${port}`,
          shards: 1,
          session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 },
        });
      if (req.method === "GET" && path === "/api/v10/users/@me") return json(res, 200, DISCORD_BOT);
      const message = /^\/api\/v10\/channels\/(\d+|[\w-]+)\/messages$/.exec(path);
      if (req.method === "POST" && message) {
        const payload = JSON.parse(body || "{}") as { content?: string; message_reference?: { message_id?: string } };
        posts.push({
          channelId: message[1]!,
          content: payload.content ?? "",
          ...(payload.message_reference?.message_id ? { reference: payload.message_reference.message_id } : {}),
        });
        return json(res, 200, {
          id: String(nextId++),
          channel_id: message[1],
          content: payload.content,
          author: DISCORD_BOT,
        });
      }
      if (req.method === "POST" && /^\/api\/v10\/channels\/[\w-]+\/typing$/.test(path)) {
        typingCount++;
        res.writeHead(204);
        return res.end();
      }
      return json(res, 404, { message: "404: Not Found", code: 0 });
    });
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws)));
  const dispatch = (t: string, d: unknown) => {
    for (const ws of sockets) send(ws, { op: 0, t, s: ++seq, d });
  };
  wss.on("connection", (ws) => {
    sockets.add(ws);
    ws.on("close", () => sockets.delete(ws));
    send(ws, { op: 10, d: { heartbeat_interval: heartbeatMs } });
    ws.on("message", (raw) => {
      const frame = JSON.parse(raw.toString()) as { op: number; d: { token?: string; intents?: number } };
      if (frame.op === 1) {
        if (!zombie) send(ws, { op: 11 });
      } else if (frame.op === 2) {
        identifyCount++;
        if (frame.d.token?.replace(/^Bot /, "") !== token) return ws.close(4004, "Authentication failed.");
        if (options.messageContentAllowed === false && ((frame.d.intents ?? 0) & (1 << 15)) !== 0)
          return ws.close(4014, "Disallowed intent(s).");
        send(ws, {
          op: 0,
          t: "READY",
          s: ++seq,
          d: {
            v: 10,
            user: DISCORD_BOT,
            guilds: [],
            session_id: "fake-session",
            resume_gateway_url: `ws://127.0.0.1:${port}`,
            shard: [0, 1],
            application: { id: DISCORD_BOT.id, flags: 0 },
          },
        });
      } else if (frame.op === 6) {
        send(ws, { op: 0, t: "RESUMED", s: ++seq, d: {} });
      }
    });
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    apiUrl: `http://127.0.0.1:${port}/api/v10`,
    token,
    posts,
    typing: () => typingCount,
    requests: () => requestCount + identifyCount,
    dm(fromId, text) {
      dispatch("MESSAGE_CREATE", {
        id: String(nextId++),
        channel_id: `dm${fromId}`,
        author: author(fromId),
        content: text,
        mentions: [],
        type: 0,
        timestamp: new Date().toISOString(),
      });
    },
    guildMessage(guildId, channelId, fromId, text, mention) {
      dispatch("MESSAGE_CREATE", {
        id: String(nextId++),
        guild_id: guildId,
        channel_id: channelId,
        author: author(fromId),
        content: mention ? `<@${DISCORD_BOT.id}> ${text}` : text,
        mentions: mention ? [DISCORD_BOT] : [],
        type: 0,
        timestamp: new Date().toISOString(),
      });
    },
    zombie(on) {
      zombie = on;
    },
    drop() {
      for (const ws of sockets) ws.terminate();
    },
    identifies: () => identifyCount,
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
