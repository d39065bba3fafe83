/**
 * The HTTP side of the port: liveness and readiness probes, a small landing page, the authenticated
 * health endpoint, and 404 for the rest. Every response carries the security headers.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { bearerOf, checkSharedSecret } from "./auth.js";
import { controlUiBootstrap, controlUiSettings, isBootstrapPath, serveControlUi } from "./control-ui.js";
import { renderMetrics } from "./metrics.js";
import { isCanvasPath, serveCanvas } from "./canvas.js";
import { isDirectLocal, normalizeAddress } from "./connection.js";
import { healthSummary } from "./health-summary.js";
import type { GatewayRuntime } from "./runtime.js";

const SECURITY_HEADERS: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
  "X-Frame-Options": "DENY",
};
const HTML_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function send(
  res: ServerResponse,
  status: number,
  body: string,
  type: string,
  headers: Record<string, string> = {},
  head = false,
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "Content-Type": type,
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
    ...(type.startsWith("text/html") ? { "Content-Security-Policy": HTML_CSP } : {}),
    ...headers,
  });
  res.end(head ? undefined : body);
}

function json(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
  head = false,
): void {
  send(res, status, JSON.stringify(value), "application/json; charset=utf-8", headers, head);
}

type BearerVerdict = "ok" | "missing" | "invalid" | "limited";

/**
 * The request's credential checked against the gateway's secret (or a paired device's operator token),
 * through the auth rate limiter. `presented`: the credential, by default the `Authorization: Bearer` one.
 */
export function checkBearer(
  runtime: GatewayRuntime,
  req: IncomingMessage,
  presented: string | undefined = bearerOf(req.headers.authorization),
): { verdict: BearerVerdict; retryAfterMs: number } {
  const address = normalizeAddress(req.socket.remoteAddress ?? "unknown");
  const wait = runtime.rateLimiter.retryAfterMs(address);
  if (wait > 0) return { verdict: "limited", retryAfterMs: wait };
  if (runtime.auth.mode === "none") return { verdict: "ok", retryAfterMs: 0 };
  if (presented === undefined) return { verdict: "missing", retryAfterMs: 0 };
  const outcome = checkSharedSecret(runtime.auth, { token: presented, password: presented });
  if (outcome.ok) return { verdict: "ok", retryAfterMs: 0 };
  // A paired device's operator token is its credential here as on the socket.
  if (deviceTokenMatches(runtime, presented)) return { verdict: "ok", retryAfterMs: 0 };
  runtime.rateLimiter.recordFailure(address);
  runtime.log.warn("http authentication failed", { ip: address, path: req.url?.split("?")[0] });
  return { verdict: "invalid", retryAfterMs: 0 };
}

function deviceTokenMatches(runtime: GatewayRuntime, token: string): boolean {
  try {
    return runtime.devices.deviceForToken("operator", token) !== undefined;
  } catch {
    return false; // a damaged paired.json: no device token is valid until it is repaired
  }
}

/** Answers 429 or 401 and returns true unless the request carries the gateway's secret as a bearer. */
function refusedBearer(runtime: GatewayRuntime, req: IncomingMessage, res: ServerResponse): boolean {
  const { verdict, retryAfterMs } = checkBearer(runtime, req);
  if (verdict === "ok") return false;
  if (verdict === "limited")
    json(
      res,
      429,
      { error: { message: "Too many failed authentication attempts. Please try again later.", type: "rate_limited" } },
      { "Retry-After": String(Math.ceil(retryAfterMs / 1000)) },
    );
  else
    json(
      res,
      401,
      { error: { message: "Unauthorized", type: "unauthorized" } },
      { "WWW-Authenticate": 'Bearer realm="openclaw"' },
    );
  return true;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function landingPage(runtime: GatewayRuntime): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>OpenClaw Gateway</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#222}code{background:#f3f3f3;padding:.1em .3em;border-radius:3px}</style>
</head><body>
<h1>OpenClaw Gateway is running</h1>
<p>Version ${escapeHtml(runtime.version)}. Clients connect to this address over WebSocket and authenticate with the gateway's ${runtime.auth.mode === "password" ? "password" : "token"}.</p>
<ul>
<li>Check it from this machine: <code>openclaw gateway probe</code></li>
<li>Open the dashboard with its token: <code>openclaw dashboard</code></li>
<li>Health for monitors: <code>GET /healthz</code> (no auth), <code>GET /readyz</code></li>
</ul>
</body></html>
`;
}

export function createRequestHandler(runtime: GatewayRuntime): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    let path: string;
    let query: URLSearchParams;
    try {
      const url = new URL(req.url ?? "/", "http://gateway.invalid");
      path = url.pathname;
      query = url.searchParams;
    } catch {
      json(res, 400, { error: { message: "Malformed request URL", type: "invalid_request_error" } });
      return;
    }
    const method = req.method ?? "GET";
    const head = method === "HEAD";
    const readOnly = method === "GET" || head;
    const allow = { Allow: "GET, HEAD" };

    if (path === "/health" || path === "/healthz") {
      if (!readOnly)
        return json(res, 405, { error: { message: "Method Not Allowed", type: "invalid_request_error" } }, allow);
      return json(res, 200, { ok: true, status: "live" }, {}, head);
    }
    if (path === "/ready" || path === "/readyz") {
      if (!readOnly)
        return json(res, 405, { error: { message: "Method Not Allowed", type: "invalid_request_error" } }, allow);
      const failing: string[] = [];
      if (!runtime.ready) failing.push("starting");
      if (runtime.shuttingDown) failing.push("shutting-down");
      // An enabled channel account that is down (not one still connecting) makes the gateway not ready.
      failing.push(...(runtime.channels?.failing() ?? []));
      const ready = failing.length === 0;
      const detailed = isDirectLocal(req) || checkBearer(runtime, req).verdict === "ok";
      const body = detailed ? { ready, failing, uptimeMs: Date.now() - runtime.startedAt } : { ready };
      return json(res, ready ? 200 : 503, body, {}, head);
    }
    if (path === "/api/health") {
      if (!readOnly)
        return json(res, 405, { error: { message: "Method Not Allowed", type: "invalid_request_error" } }, allow);
      if (query.has("token") || query.has("password")) {
        return json(res, 400, {
          error: {
            message: "Do not put credentials in the URL; send Authorization: Bearer <token>",
            type: "invalid_request_error",
          },
        });
      }
      if (refusedBearer(runtime, req, res)) return;
      return json(res, 200, healthSummary(runtime), {}, head);
    }
    if (isCanvasPath(path)) {
      const reply = (status: number, body: string, headers: Record<string, string> = {}) =>
        send(res, status, body, "text/plain; charset=utf-8", headers, head);
      return serveCanvas(
        {
          stateDir: runtime.paths.stateDir,
          env: runtime.env,
          capabilities: runtime.canvasCapabilities,
          // As upstream: a direct loopback caller reads the canvas; anyone else brings the gateway's secret.
          authorized: () => isDirectLocal(req) || !refusedBearer(runtime, req, res),
        },
        req,
        res,
        path,
        reply,
      );
    }
    if (path === "/metrics") {
      if (runtime.snapshot.config.gateway?.metrics?.enabled === false)
        return send(
          res,
          404,
          "Not Found: metrics are off (gateway.metrics.enabled)\n",
          "text/plain; charset=utf-8",
          {},
          head,
        );
      if (!readOnly)
        return json(res, 405, { error: { message: "Method Not Allowed", type: "invalid_request_error" } }, allow);
      if (refusedBearer(runtime, req, res)) return;
      const started = performance.now();
      void renderMetrics(runtime).then(
        // Server-Timing: what the scrape cost the gateway, apart from the network and the queue.
        ({ text, contentType }) =>
          send(
            res,
            200,
            text,
            contentType,
            { "Server-Timing": `render;dur=${(performance.now() - started).toFixed(2)}` },
            head,
          ),
        (error: Error) => {
          runtime.log.error("metrics failed", { error: error.message });
          send(res, 500, "metrics failed; see the gateway's log\n", "text/plain; charset=utf-8", {}, head);
        },
      );
      return;
    }
    const ui = controlUiSettings(runtime.snapshot.config.gateway?.controlUi ?? {});
    if (ui.enabled && isBootstrapPath(path, ui.basePath)) {
      if (!readOnly)
        return json(res, 405, { error: { message: "Method Not Allowed", type: "invalid_request_error" } }, allow);
      if (refusedBearer(runtime, req, res)) return;
      const body = controlUiBootstrap({
        basePath: ui.basePath,
        version: runtime.version,
        document: runtime.snapshot.document,
      });
      return json(res, 200, body, { "Cache-Control": "no-cache" }, head);
    }
    const reply = (status: number, body: string, headers: Record<string, string> = {}) =>
      send(res, status, body, "text/plain; charset=utf-8", headers, head);
    if (serveControlUi(ui, req, res, path, reply)) return;
    // No UI build to serve (or none at this path): the landing page says what the gateway is.
    if (ui.enabled && (path === "/" || path === "/index.html")) {
      if (!readOnly)
        return json(res, 405, { error: { message: "Method Not Allowed", type: "invalid_request_error" } }, allow);
      return send(res, 200, landingPage(runtime), "text/html; charset=utf-8", {}, head);
    }
    send(res, 404, "Not Found\n", "text/plain; charset=utf-8", {}, head);
  };
}
