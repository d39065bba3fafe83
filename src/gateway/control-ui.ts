/**
 * Serving the Control UI's files: at `/` or `gateway.controlUi.basePath`, from the bundled build
 * (`dist/control-ui`) or `gateway.controlUi.root`. SPA fallback to `index.html` for pages, 404 for a
 * missing asset, fingerprinted assets cached for a year with precompressed `.br`/`.gz` siblings chosen by
 * `Accept-Encoding`, `index.html` revalidated on every load, and a CSP that admits only the inline scripts
 * the served HTML itself carries (by hash), so OpenClaw's own build can be served from `root` too.
 * @module
 */
import { createHash } from "node:crypto";
import { createReadStream, readFileSync, realpathSync, statSync, type Stats } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** Where `npm run build` puts the UI, relative to the built chunks (`dist/chunks`, `dist/cli`). */
export const BUNDLED_ROOT = fileURLToPath(new URL("../control-ui/", import.meta.url));

export interface ControlUiSettings {
  readonly enabled: boolean;
  /** Normalised: "" for the root, else "/x" (leading slash, no trailing one). */
  readonly basePath: string;
  readonly root: string;
  /** The bundled build: its fingerprinted assets may be cached for good. */
  readonly bundled: boolean;
}

export function controlUiSettings(config: {
  enabled?: boolean | undefined;
  basePath?: string | undefined;
  root?: string | undefined;
}): ControlUiSettings {
  const trimmed = (config.basePath ?? "").replace(/\/+$/, "");
  return {
    enabled: config.enabled !== false,
    basePath: trimmed === "" ? "" : trimmed.startsWith("/") ? trimmed : `/${trimmed}`,
    root: config.root ?? BUNDLED_ROOT,
    bundled: config.root === undefined,
  };
}

export const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "application/javascript; charset=utf-8",
  ".mjs": "application/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".webmanifest": "application/manifest+json; charset=utf-8",
  ".woff2": "font/woff2",
  ".wasm": "application/wasm",
};
/** A missing file with one of these is a 404, not the SPA page. */
const STATIC_EXTENSIONS = new Set([...Object.keys(TYPES).filter((e) => e !== ".html"), ".jpeg"]);
const COMPRESSIBLE = new Set([".css", ".html", ".js", ".mjs", ".json", ".svg", ".txt", ".wasm", ".webmanifest"]);
/** Paths that belong to the gateway itself, never to the UI (as upstream). */
const NOT_UI = /^\/(?:health|healthz|ready|readyz|startup|startupz)$|^\/(?:api|v1|ui)(?:\/|$)|^\/__openclaw__\//;

const UI_HEADERS: Record<string, string> = {
  "X-Frame-Options": "DENY",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Permissions-Policy": "camera=(self), microphone=*, geolocation=*, clipboard-write=*",
};

/** The CSP for a page whose inline scripts hash to `hashes` (none in our own build). */
export function controlUiCsp(hashes: readonly string[]): string {
  return [
    "default-src 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    `script-src 'self'${hashes.map((h) => ` 'sha256-${h}'`).join("")}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' data: blob:",
    "font-src 'self'",
    "worker-src 'self'",
    "connect-src 'self' ws: wss:",
  ].join("; ");
}

/** `index.html` as served: asset URLs under the base path, the base path announced to the app. Pure. */
export function rewriteIndex(html: string, basePath: string): { html: string; scriptHashes: string[] } {
  const out = html
    .replace(/(\s(?:src|href)=["'])\.?\/assets\//g, `$1${basePath}/assets/`)
    .replace(/<html(\s|>)/i, `<html data-openclaw-control-ui-base-path="${basePath}"$1`);
  const scriptHashes: string[] = [];
  for (const m of out.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/gi))
    if (m[1]!.length > 0) scriptHashes.push(createHash("sha256").update(m[1]!).digest("base64"));
  return { html: out, scriptHashes };
}

/** Where upstream's UI reads its bootstrap JSON (`<base>/control-ui-config.json` and two aliases). */
export function isBootstrapPath(path: string, basePath: string): boolean {
  return (
    path === `${basePath}/control-ui-config.json` ||
    path === `${basePath}/__openclaw/control-ui-config.json` ||
    (basePath === "" && path === "/__openclaw__/control-ui-config.json")
  );
}

/** A configured string, trimmed and bounded, or undefined. */
const configText = (value: unknown, max: number) =>
  typeof value === "string" && value.trim() ? value.trim().slice(0, max) : undefined;

/**
 * The bootstrap JSON upstream's UI fetches (with the gateway secret as a bearer): the assistant's name and
 * avatar from upstream's `ui.assistant` keys, and the features this gateway has (no terminal, no CLI
 * agents, no plugin frames). Pure.
 */
export function controlUiBootstrap(input: {
  basePath: string;
  version: string;
  document: unknown;
}): Record<string, unknown> {
  const ui = (
    input.document as { ui?: { assistant?: { name?: unknown; avatar?: unknown }; seamColor?: unknown } } | null
  )?.ui;
  const avatar = configText(ui?.assistant?.avatar, 200);
  return {
    basePath: input.basePath,
    assistantName: configText(ui?.assistant?.name, 50) ?? "Assistant",
    assistantAvatar: avatar ?? "A",
    assistantAvatarSource: avatar ? "config" : null,
    assistantAvatarStatus: avatar ? "ok" : "none",
    assistantAvatarReason: null,
    assistantAgentId: "default",
    serverVersion: input.version,
    embedSandbox: "scripts",
    allowExternalEmbedUrls: false,
    automaticallyFetchFavicons: false,
    seamColor: configText(ui?.seamColor, 32) ?? null,
    environment: null,
    communityInvite: null,
    terminalEnabled: false,
    cliAgentsEnabled: false,
    pluginAssetsRequireAuth: true,
    pluginFrameGrants: [],
  };
}

/** Which precompressed sibling `accept` allows, best first by q-value (br before gzip on a tie). Pure. */
export function chooseEncoding(
  accept: string | undefined,
  available: readonly ("br" | "gzip")[],
): "br" | "gzip" | "identity" | undefined {
  const q = new Map<string, number>();
  for (const part of (accept ?? "").split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    if (!name) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    q.set(name, Number.isFinite(value) ? value : 0);
  }
  const weight = (name: string) => q.get(name) ?? (name === "identity" ? (q.get("*") ?? 1) : (q.get("*") ?? 0));
  const candidates = [...available, "identity" as const]
    .map((name) => ({ name, w: weight(name) }))
    .filter((c) => c.w > 0);
  if (candidates.length === 0) return undefined;
  return candidates.reduce((best, c) => (c.w > best.w ? c : best)).name;
}

function acceptsHtml(accept: string | undefined): boolean {
  if (accept === undefined || accept === "") return true;
  return accept.split(",").some((part) => {
    const [type, ...params] = part.trim().toLowerCase().split(";");
    const refused = params.some((p) => /^\s*q=0(?:\.0*)?\s*$/.test(p));
    return (
      !refused && (type === "text/html" || type === "*/*" || type === "text/*" || type === "application/xhtml+xml")
    );
  });
}

function statFile(path: string): Stats | undefined {
  try {
    const stats = statSync(path);
    return stats.isFile() ? stats : undefined;
  } catch {
    return undefined;
  }
}

/** The file for a URL path inside `root`, or undefined: no `..`, no NUL, no symlink leading out. */
export function resolveInside(root: string, relative: string): string | undefined {
  const segments = relative.split("/").filter(Boolean);
  if (segments.some((s) => s === ".." || s === "." || s.includes("\0") || s.includes("\\"))) return undefined;
  const candidate = join(root, ...segments);
  try {
    const real = realpathSync(candidate);
    const realRoot = realpathSync(root);
    return real === realRoot || real.startsWith(realRoot + sep) ? real : undefined;
  } catch {
    return undefined;
  }
}

type Reply = (status: number, body: string, headers?: Record<string, string>) => void;

/**
 * Answers a request for the UI, or returns false when the request is not the UI's (another handler, or
 * the final 404, takes it). `path` is the decoded-once URL path.
 */
export function serveControlUi(
  settings: ControlUiSettings,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  reply: Reply,
): boolean {
  const method = req.method ?? "GET";
  if (!settings.enabled || (method !== "GET" && method !== "HEAD")) return false;
  const base = settings.basePath;
  if (base === "" ? NOT_UI.test(path) : path !== base && !path.startsWith(`${base}/`)) return false;
  if (base !== "" && path === base) {
    // The parsed search is percent-encoded, so nothing from the request line reaches the header raw.
    const query = new URL(req.url ?? "/", "http://gateway.invalid").search;
    reply(302, "", { Location: `${base}/${query}` });
    return true;
  }
  const indexPath = join(settings.root, "index.html");
  if (!statFile(indexPath)) return false; // no build here: the landing page answers instead
  const inner = path.slice(base.length);
  let decoded: string;
  try {
    decoded = decodeURIComponent(inner);
  } catch {
    reply(400, "Bad Request: malformed path\n");
    return true;
  }
  const assetAt = decoded.indexOf("/assets/");
  const relative = decoded === "/" ? "index.html" : assetAt >= 0 ? decoded.slice(assetAt + 1) : decoded.slice(1);
  const ext = extname(relative).toLowerCase();
  // The precompressed siblings are chosen by the server, never asked for by name.
  if (ext === ".br" || ext === ".gz") {
    reply(404, "Not Found\n");
    return true;
  }
  const head = method === "HEAD";
  const file = relative === "index.html" ? undefined : resolveInside(settings.root, relative);
  const stats = file ? statFile(file) : undefined;
  if (file && stats) {
    serveFile(settings, file, stats, relative, req, res, head, reply);
    return true;
  }
  if (relative !== "index.html" && (STATIC_EXTENSIONS.has(ext) || !acceptsHtml(req.headers.accept))) {
    reply(404, "Not Found\n");
    return true;
  }
  serveIndex(settings, indexPath, res, head);
  return true;
}

function lastModified(stats: Stats): string {
  return new Date(Math.min(stats.mtimeMs, Date.now())).toUTCString();
}

function notModified(req: IncomingMessage, stats: Stats): boolean {
  const since = Date.parse(req.headers["if-modified-since"] ?? "");
  return Number.isFinite(since) && Math.floor(stats.mtimeMs / 1000) * 1000 <= since;
}

function serveIndex(settings: ControlUiSettings, indexPath: string, res: ServerResponse, head: boolean): void {
  const { html, scriptHashes } = rewriteIndex(readFileSync(indexPath, "utf8"), settings.basePath);
  res.writeHead(200, {
    ...UI_HEADERS,
    "Content-Type": TYPES[".html"]!,
    "Content-Length": Buffer.byteLength(html),
    "Cache-Control": "no-cache",
    "Content-Security-Policy": controlUiCsp(scriptHashes),
  });
  res.end(head ? undefined : html);
}

function serveFile(
  settings: ControlUiSettings,
  file: string,
  stats: Stats,
  relative: string,
  req: IncomingMessage,
  res: ServerResponse,
  head: boolean,
  reply: Reply,
): void {
  const ext = extname(file).toLowerCase();
  const fingerprinted = settings.bundled && relative.startsWith("assets/");
  const headers: Record<string, string> = {
    ...UI_HEADERS,
    "Content-Type": TYPES[ext] ?? "application/octet-stream",
    "Cache-Control": fingerprinted ? "public, max-age=31536000, immutable" : "no-cache",
    "Last-Modified": lastModified(stats),
    "Content-Security-Policy": controlUiCsp([]),
  };
  let servePath = file;
  let size = stats.size;
  if (COMPRESSIBLE.has(ext) && relative.startsWith("assets/")) {
    headers.Vary = "Accept-Encoding";
    const siblings = { br: statFile(`${file}.br`), gzip: statFile(`${file}.gz`) };
    const available = (["br", "gzip"] as const).filter((e) => siblings[e]);
    const encoding = chooseEncoding(req.headers["accept-encoding"], available);
    if (encoding === undefined) {
      reply(406, "Not Acceptable: no encoding of this file is acceptable\n", { Vary: "Accept-Encoding" });
      return;
    }
    if (encoding !== "identity") {
      servePath = `${file}${encoding === "br" ? ".br" : ".gz"}`;
      size = siblings[encoding]!.size;
      headers["Content-Encoding"] = encoding;
    }
  }
  if (notModified(req, stats)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, "Content-Length": String(size) });
  if (head) {
    res.end();
    return;
  }
  const stream = createReadStream(servePath);
  stream.on("error", () => res.destroy());
  stream.pipe(res);
}
