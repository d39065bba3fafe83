/**
 * The canvas host on the gateway port: files under `<state>/canvas/` at `/__openclaw__/canvas/…`
 * (upstream's managed documents at `documents/<id>/<entry>`; a directory serves its `index.html`). Direct
 * loopback callers get them; anyone else needs the gateway's secret as a bearer. Agent-made HTML is
 * served in a CSP sandbox without same-origin, so a document can never read the Control UI's storage on
 * this origin. `OPENCLAW_SKIP_CANVAS_HOST=1` turns it off. Upstream's A2UI renderer bundles are not
 * shipped here: `/__openclaw__/a2ui/` answers 404 saying so.
 * @module
 */
import { createReadStream, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join } from "node:path";
import { resolveInside, TYPES } from "./control-ui.js";

export const CANVAS_PREFIX = "/__openclaw__/canvas/";
const A2UI_PREFIX = "/__openclaw__/a2ui/";
/** Larger files are refused: the host is for documents and their assets, not for transfers. */
export const MAX_CANVAS_FILE_BYTES = 25 * 1024 * 1024;

type Reply = (status: number, body: string, headers?: Record<string, string>) => void;

export function isCanvasPath(path: string): boolean {
  return path.startsWith(CANVAS_PREFIX) || path === "/__openclaw__/canvas" || path.startsWith(A2UI_PREFIX);
}

/**
 * Answers a canvas request (the caller has checked it is one). `authorized`: the request may read the
 * canvas (a direct loopback peer, or the gateway's secret).
 */
export function serveCanvas(
  input: { stateDir: string; env: Readonly<Record<string, string | undefined>>; authorized: () => boolean },
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  reply: Reply,
): void {
  const skip = input.env.OPENCLAW_SKIP_CANVAS_HOST;
  if (skip && skip !== "0" && skip !== "false")
    return reply(404, "Not Found: the canvas host is off (OPENCLAW_SKIP_CANVAS_HOST)\n");
  const method = req.method ?? "GET";
  if (method !== "GET" && method !== "HEAD") return reply(405, "Method Not Allowed\n", { Allow: "GET, HEAD" });
  if (!input.authorized()) return;
  if (path.startsWith(A2UI_PREFIX))
    return reply(404, "Not Found: this gateway does not ship OpenClaw's A2UI renderer bundles\n");
  let relative: string;
  try {
    relative = decodeURIComponent(path.slice(CANVAS_PREFIX.length));
  } catch {
    return reply(400, "Bad Request: malformed path\n");
  }
  const root = join(input.stateDir, "canvas");
  const found = resolveInside(root, relative);
  let file = found;
  let stats = file ? statSync(file, { throwIfNoEntry: false }) : undefined;
  if (stats?.isDirectory()) {
    file = resolveInside(root, `${relative.replace(/\/+$/, "")}/index.html`);
    stats = file ? statSync(file, { throwIfNoEntry: false }) : undefined;
  }
  if (!file || !stats?.isFile()) return reply(404, "Not Found\n");
  if (stats.size > MAX_CANVAS_FILE_BYTES)
    return reply(413, `Payload Too Large: canvas files are served up to ${MAX_CANVAS_FILE_BYTES / 1024 / 1024} MB\n`);
  const ext = extname(file).toLowerCase();
  res.writeHead(200, {
    "Content-Type": TYPES[ext] ?? "application/octet-stream",
    "Content-Length": String(stats.size),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    // An opaque origin for whatever the agent wrote: scripts run, but nothing of this origin is theirs.
    "Content-Security-Policy":
      "sandbox allow-scripts allow-forms allow-popups; default-src 'self' data: blob: 'unsafe-inline'; frame-ancestors 'self'",
  });
  if (method === "HEAD") {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on("error", () => res.destroy());
  stream.pipe(res);
}
