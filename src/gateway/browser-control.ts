/**
 * The browser control port (upstream's control HTTP API, gateway port + 2, 18791 by default): the same
 * routes as `browser.request`, on 127.0.0.1 only, behind the gateway's auth (`Authorization: Bearer`, or
 * the password as `x-openclaw-password` or Basic), and refusing mutations a browser page could forge (a
 * non-loopback `Origin`/`Referer`, `Sec-Fetch-Site: cross-site`). Off unless
 * `OPENCLAW_EAGER_BROWSER_CONTROL_SERVER=1`, as in OpenClaw 2026.9: the CLI and the agent do not need it.
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { BrowserError } from "../browser/settings.js";
import { isLoopbackAddress } from "../config/bind.js";
import { bearerOf } from "./auth.js";
import { checkBearer } from "./http.js";
import { runBrowserRoute } from "./methods/browser.js";
import type { GatewayRuntime } from "./runtime.js";

/** Upstream's bound on a control request's body. */
const MAX_BODY_BYTES = 1024 * 1024;
/** Query values that mean numbers or switches (everything else stays text). */
const NUMERIC = new Set(["maxChars", "depth", "limit", "timeoutMs"]);
const SWITCHES = new Set(["interactive", "compact", "clear", "fullPage"]);

const send = (res: ServerResponse, status: number, body: unknown) => {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": typeof body === "string" ? "text/plain; charset=utf-8" : "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  });
  res.end(text);
};

/** The credential a request brings: a bearer, the password header, or Basic's password part. */
function credentialOf(req: IncomingMessage): string | undefined {
  const bearer = bearerOf(req.headers.authorization);
  if (bearer) return bearer;
  const header = req.headers["x-openclaw-password"];
  if (typeof header === "string" && header) return header;
  const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
  if (!basic) return undefined;
  const decoded = Buffer.from(basic, "base64").toString("utf8");
  return decoded.includes(":") ? decoded.slice(decoded.indexOf(":") + 1) : undefined;
}

/** A mutation a page elsewhere could have sent through the user's browser. */
function crossSite(req: IncomingMessage): boolean {
  if (req.headers["sec-fetch-site"] === "cross-site") return true;
  for (const header of [req.headers.origin, req.headers.referer]) {
    if (!header) continue;
    try {
      const host = new URL(header).hostname.replace(/^\[|\]$/g, "");
      if (!(isLoopbackAddress(host) || host === "localhost")) return true;
    } catch {
      return true; // `Origin: null` and other unparseable origins are no loopback page
    }
  }
  return false;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // Refused, and nothing more kept; the connection closes once the answer is out.
        reject(new BodyTooLarge(`the body is larger than ${MAX_BODY_BYTES / 1024} KiB`));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > MAX_BODY_BYTES) return;
      const text = Buffer.concat(chunks).toString("utf8").trim();
      if (!text) return resolve({});
      try {
        const parsed: unknown = JSON.parse(text);
        if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
          return reject(new BrowserError("the body must be a JSON object"));
        resolve(parsed as Record<string, unknown>);
      } catch {
        reject(new BrowserError("the body is not valid JSON"));
      }
    });
    req.on("error", reject);
  });
}

async function handle(runtime: GatewayRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { verdict, retryAfterMs } = checkBearer(runtime, req, credentialOf(req));
  if (verdict === "limited") {
    res.setHeader("Retry-After", String(Math.ceil(retryAfterMs / 1000)));
    return send(res, 429, "Too Many Requests\n");
  }
  if (verdict !== "ok") return send(res, 401, "Unauthorized\n");
  const method = req.method ?? "GET";
  if (method !== "GET" && crossSite(req)) return send(res, 403, "Forbidden\n");
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const query: Record<string, unknown> = {};
  for (const [key, value] of url.searchParams)
    query[key] =
      NUMERIC.has(key) && /^\d+$/.test(value)
        ? Number(value)
        : SWITCHES.has(key)
          ? value === "true" || value === "1"
          : value;
  try {
    const body = method === "GET" ? {} : await readBody(req);
    const result = await runBrowserRoute(runtime, { method, path: url.pathname, query, body });
    if (!result) return send(res, 404, { error: `no browser route ${method} ${url.pathname}` });
    send(res, 200, result);
  } catch (error) {
    if (error instanceof BodyTooLarge) {
      res.setHeader("Connection", "close");
      res.once("finish", () => req.destroy());
      return send(res, 413, { error: error.message });
    }
    if (error instanceof BrowserError) return send(res, 400, { error: error.message });
    runtime.log.warn("browser control request failed", { path: url.pathname, error: (error as Error).message });
    send(res, 500, { error: (error as Error).message });
  }
}

/** Listens on 127.0.0.1:`port`; resolves with the server, or rejects with the listen error. */
export function startBrowserControl(runtime: GatewayRuntime, port: number): Promise<Server> {
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 150_000 }, (req, res) => {
    void handle(runtime, req, res).catch(() => res.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}
