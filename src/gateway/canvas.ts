/**
 * The canvas host on the gateway port: files under `<state>/canvas/` at `/__openclaw__/canvas/…`
 * (upstream's managed documents at `documents/<id>/<entry>`; a directory serves its `index.html`). Direct
 * loopback callers get them; anyone else needs the gateway's secret as a bearer, or a short-lived
 * capability URL `/__openclaw__/cap/<token>/…` (what a node's WebView or an iframe can use: neither can
 * send a header), handed to nodes in `hello-ok.pluginSurfaceUrls` and by `node.pluginSurface.refresh`. Agent-made HTML is
 * served in a CSP sandbox without same-origin, so a document can never read the Control UI's storage on
 * this origin. `OPENCLAW_SKIP_CANVAS_HOST=1` turns it off. Upstream's A2UI renderer bundles are not
 * shipped here: `/__openclaw__/a2ui/` answers 404 saying so.
 * @module
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join } from "node:path";
import { resolveInside, TYPES } from "./control-ui.js";

export const CANVAS_PREFIX = "/__openclaw__/canvas/";
const A2UI_PREFIX = "/__openclaw__/a2ui/";
const CAP_PREFIX = "/__openclaw__/cap/";
/** Upstream's default lifetime of a capability URL. */
export const CAPABILITY_TTL_MS = 10 * 60_000;
/** Live capabilities kept at most (the oldest go first): minting cannot grow memory without bound. */
const MAX_CAPABILITIES = 10_000;

/** Whether the canvas host is on (`OPENCLAW_SKIP_CANVAS_HOST` turns it off). */
export function canvasHostEnabled(env: Readonly<Record<string, string | undefined>>): boolean {
  const skip = env.OPENCLAW_SKIP_CANVAS_HOST;
  return !skip || skip === "0" || skip === "false";
}

/**
 * Capability tokens for the canvas: 256 random bits each, kept only as their SHA-256 (a lookup cannot
 * leak a live token through its timing), valid for `ttlMs`.
 */
export class CanvasCapabilities {
  readonly #expiry = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ttlMs = CAPABILITY_TTL_MS,
  ) {}

  mint(): { token: string; expiresAtMs: number } {
    const now = this.now();
    for (const [key, expires] of this.#expiry) if (expires <= now) this.#expiry.delete(key);
    while (this.#expiry.size >= MAX_CAPABILITIES) this.#expiry.delete(this.#expiry.keys().next().value!);
    const token = randomBytes(32).toString("base64url");
    const expiresAtMs = now + this.ttlMs;
    this.#expiry.set(createHash("sha256").update(token).digest("base64url"), expiresAtMs);
    return { token, expiresAtMs };
  }

  valid(token: string): boolean {
    const expires = this.#expiry.get(createHash("sha256").update(token).digest("base64url"));
    return expires !== undefined && expires > this.now();
  }
}

/** The canvas's capability URL under `base` (`http://host:port`). */
export const capabilityUrl = (base: string, token: string) => `${base}${CAP_PREFIX}${token}/`;
/** Larger files are refused: the host is for documents and their assets, not for transfers. */
export const MAX_CANVAS_FILE_BYTES = 25 * 1024 * 1024;

type Reply = (status: number, body: string, headers?: Record<string, string>) => void;

export function isCanvasPath(path: string): boolean {
  return (
    path.startsWith(CANVAS_PREFIX) ||
    path === "/__openclaw__/canvas" ||
    path.startsWith(A2UI_PREFIX) ||
    path.startsWith(CAP_PREFIX)
  );
}

/**
 * Answers a canvas request (the caller has checked it is one). `authorized`: the request may read the
 * canvas (a direct loopback peer, or the gateway's secret; it answers the refusal itself when not);
 * a capability path needs only its live token.
 */
export function serveCanvas(
  input: {
    stateDir: string;
    env: Readonly<Record<string, string | undefined>>;
    capabilities: CanvasCapabilities;
    authorized: () => boolean;
  },
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  reply: Reply,
): void {
  if (!canvasHostEnabled(input.env))
    return reply(404, "Not Found: the canvas host is off (OPENCLAW_SKIP_CANVAS_HOST)\n");
  const method = req.method ?? "GET";
  if (method !== "GET" && method !== "HEAD") return reply(405, "Method Not Allowed\n", { Allow: "GET, HEAD" });
  let rest: string;
  if (path.startsWith(CAP_PREFIX)) {
    const [token = "", ...after] = path.slice(CAP_PREFIX.length).split("/");
    if (!input.capabilities.valid(token))
      return reply(
        403,
        "Forbidden: this canvas link has expired or is not valid; ask for a new one (node.pluginSurface.refresh)\n",
      );
    rest = after.join("/");
  } else {
    if (!input.authorized()) return;
    if (path.startsWith(A2UI_PREFIX))
      return reply(404, "Not Found: this gateway does not ship OpenClaw's A2UI renderer bundles\n");
    rest = path.slice(CANVAS_PREFIX.length);
  }
  let relative: string;
  try {
    relative = decodeURIComponent(rest);
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
