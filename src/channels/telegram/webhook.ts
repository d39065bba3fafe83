/**
 * The listener Telegram posts updates to in webhook mode: one path, POST only, the secret token checked in
 * constant time, bodies bounded. Upstream's defaults: `127.0.0.1:8787` at `/telegram-webhook`, put behind
 * the HTTPS endpoint named in `webhookUrl` (a reverse proxy or a tunnel).
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export const MAX_UPDATE_BYTES = 1024 * 1024;

const digest = (text: string) => createHash("sha256").update(text).digest();

export interface WebhookListener {
  readonly port: number;
  close(): Promise<void>;
}

/** Listens; `onUpdate` gets each accepted update (already parsed). Rejects when the address is taken. */
export function listenForUpdates(options: {
  host: string;
  port: number;
  path: string;
  secret: string;
  onUpdate: (update: unknown) => void;
}): Promise<WebhookListener> {
  const expected = digest(options.secret);
  const server: Server = createServer((req, res) => {
    const answer = (status: number, text = "") => {
      res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
      res.end(text);
    };
    const path = (req.url ?? "").split("?")[0];
    if (path !== options.path) return answer(404, "Not Found\n");
    if (req.method !== "POST") return answer(405, "Method Not Allowed\n");
    const given = req.headers["x-telegram-bot-api-secret-token"];
    if (typeof given !== "string" || !timingSafeEqual(digest(given), expected)) {
      req.resume();
      return answer(401, "Unauthorized\n");
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_UPDATE_BYTES) {
        answer(413, "Payload Too Large\n");
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > MAX_UPDATE_BYTES) return;
      let update: unknown;
      try {
        update = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return answer(400, "Bad Request: not JSON\n");
      }
      options.onUpdate(update);
      // Upstream's acknowledgement header: the update was taken over (the manager answers it from here).
      res.setHeader("x-openclaw-delivery-accepted", "durable");
      answer(200);
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
