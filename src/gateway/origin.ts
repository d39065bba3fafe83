/**
 * Browser origin check for WebSocket upgrades: a page may connect only from the gateway's own origin
 * (the origin's host is the Host it connected to) or from an origin listed in
 * `gateway.controlUi.allowedOrigins`. Requests without an Origin header are not from a browser page.
 * @module
 */

export type OriginVerdict = { ok: true } | { ok: false; reason: string };

export function checkOrigin(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
): OriginVerdict {
  if (origin === undefined) return { ok: true };
  if (allowed.includes("*") || allowed.includes(origin)) return { ok: true };
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return { ok: false, reason: "origin missing or invalid" };
  }
  if (
    (parsed.protocol === "http:" || parsed.protocol === "https:") &&
    host !== undefined &&
    parsed.host === host.toLowerCase()
  ) {
    return { ok: true };
  }
  return { ok: false, reason: "origin not allowed" };
}
