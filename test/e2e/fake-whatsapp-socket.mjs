// A fake of Baileys' socket for the end-to-end tests, loaded by the gateway through
// OPENCLAW_WHATSAPP_SOCKET_MODULE. Each socket opens a control WebSocket to the test
// (OPENCLAW_FAKE_WHATSAPP_CONTROL): the test tells it which events to emit (a QR, open after linking, a
// close with a code, messages) and hears every call the adapter makes (sendMessage, presence, read, end,
// logout). Linking sets `creds.me` on the real auth state and emits `creds.update`, so the gateway's
// own credential store writes the files.
import { EventEmitter } from "node:events";
import WebSocket from "ws";

let count = 0;

export async function makeSocket(options) {
  const n = ++count;
  const control = new WebSocket(`${process.env.OPENCLAW_FAKE_WHATSAPP_CONTROL}/${options.accountId}`);
  await new Promise((resolve, reject) => {
    control.once("open", resolve);
    control.once("error", reject);
  });
  const ev = new EventEmitter();
  const ws = new EventEmitter();
  const report = (message) => control.readyState === WebSocket.OPEN && control.send(JSON.stringify(message));
  let sent = 0;
  const sock = {
    ev,
    ws,
    user: options.auth.creds.me ?? undefined,
    async sendMessage(jid, content) {
      report({ type: "call", name: "sendMessage", args: [jid, content] });
      return { key: { id: `fake-${n}-${++sent}`, remoteJid: jid, fromMe: true } };
    },
    async sendPresenceUpdate(type, jid) {
      report({ type: "call", name: "sendPresenceUpdate", args: [type, jid] });
    },
    async readMessages(keys) {
      report({ type: "call", name: "readMessages", args: [keys] });
    },
    async logout() {
      report({ type: "call", name: "logout", args: [] });
    },
    end() {
      report({ type: "ended" });
      control.close();
    },
  };
  control.on("message", (data) => {
    const command = JSON.parse(String(data));
    if (command.type === "emit") ev.emit(command.event, command.arg);
    if (command.type === "frame") ws.emit("message");
    if (command.type === "link") {
      options.auth.creds.me = command.me;
      options.auth.creds.registered = true;
      sock.user = command.me;
      ev.emit("creds.update", { me: command.me });
      ev.emit("connection.update", { connection: "open" });
    }
    if (command.type === "open") {
      sock.user = options.auth.creds.me;
      ev.emit("connection.update", { connection: "open" });
    }
    if (command.type === "close")
      ev.emit("connection.update", {
        connection: "close",
        lastDisconnect: { error: { output: { statusCode: command.code } }, date: new Date() },
      });
  });
  report({ type: "socket", n, authDir: options.authDir, linked: Boolean(options.auth.creds.me) });
  // As Baileys does, the socket says it is connecting right away (after the adapter has subscribed).
  setImmediate(() => ev.emit("connection.update", { connection: "connecting" }));
  return sock;
}
