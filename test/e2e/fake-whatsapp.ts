/**
 * The test's side of the fake WhatsApp socket (fake-whatsapp-socket.mjs): a WebSocket server on loopback
 * that each fake socket dials. The test sees every socket the gateway opens and every call it makes on
 * one, and drives it: a QR, linking, a close with a code, incoming messages.
 */
import { fileURLToPath } from "node:url";
import { WebSocketServer, type WebSocket } from "ws";

export const FAKE_SOCKET_MODULE = fileURLToPath(new URL("./fake-whatsapp-socket.mjs", import.meta.url));

export interface FakeCall {
  readonly socket: number;
  readonly name: string;
  readonly args: unknown[];
}

export interface FakeSocketHandle {
  readonly n: number;
  readonly accountId: string;
  readonly linked: boolean;
  ended: boolean;
  qr(code: string): void;
  link(me?: { id: string; name?: string }): void;
  open(): void;
  close(code: number): void;
  frame(): void;
  /** A message from `from` (+E.164) in a DM, or in `group` (a @g.us JID) when given. */
  message(input: { from: string; text: string; id?: string; group?: string; mentions?: string[]; name?: string }): void;
}

export async function startWhatsAppControl() {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((resolve) => server.once("listening", resolve));
  const sockets: FakeSocketHandle[] = [];
  const calls: FakeCall[] = [];
  let nextId = 1;
  server.on("connection", (ws: WebSocket, req) => {
    const accountId = (req.url ?? "/").slice(1);
    const send = (command: unknown) => ws.send(JSON.stringify(command));
    ws.on("message", (data) => {
      const message = JSON.parse(String(data)) as {
        type: string;
        n?: number;
        linked?: boolean;
        name?: string;
        args?: unknown[];
      };
      if (message.type === "socket") {
        const n = message.n!;
        sockets.push({
          n,
          accountId,
          linked: message.linked === true,
          ended: false,
          qr: (code) => send({ type: "emit", event: "connection.update", arg: { qr: code } }),
          link: (me = { id: "15550009999:7@s.whatsapp.net", name: "Bot" }) => send({ type: "link", me }),
          open: () => send({ type: "open" }),
          close: (code) => send({ type: "close", code }),
          frame: () => send({ type: "frame" }),
          message: (input) => {
            const digits = input.from.replace(/\D/g, "");
            const senderJid = `${digits}@s.whatsapp.net`;
            const id = input.id ?? `IN${nextId++}`;
            send({
              type: "emit",
              event: "messages.upsert",
              arg: {
                type: "notify",
                messages: [
                  {
                    key: {
                      remoteJid: input.group ?? senderJid,
                      fromMe: false,
                      id,
                      ...(input.group ? { participant: senderJid } : {}),
                    },
                    pushName: input.name ?? "Tester",
                    message: input.mentions
                      ? { extendedTextMessage: { text: input.text, contextInfo: { mentionedJid: input.mentions } } }
                      : { conversation: input.text },
                  },
                ],
              },
            });
          },
        });
      } else if (message.type === "call") {
        const socket = sockets.find((s) => s.accountId === accountId && !s.ended)?.n ?? -1;
        calls.push({ socket, name: message.name!, args: message.args ?? [] });
      } else if (message.type === "ended") {
        const s = sockets.findLast((x) => x.accountId === accountId && !x.ended);
        if (s) s.ended = true;
      }
    });
  });
  const { port } = server.address() as { port: number };
  async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; calls: ${JSON.stringify(calls)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return {
    url: `ws://127.0.0.1:${port}`,
    sockets,
    calls,
    waitFor,
    /** The newest socket that is still open, once there is one. */
    live: (timeoutMs?: number) =>
      waitFor("a live fake WhatsApp socket", () => sockets.findLast((s) => !s.ended), timeoutMs),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
