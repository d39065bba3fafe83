/**
 * Browser origin check for WebSocket upgrades, as upstream: an origin listed in
 * `gateway.controlUi.allowedOrigins` (or `*`), else the gateway's own origin (the Origin's host is the
 * Host it connected to) when that host is loopback, private, link-local, `.local`, a tailnet name or a
 * Tailscale address. A public name needs the allowlist (or the host-header fallback switched on): a page
 * whose DNS name was rebound to this gateway must not count as its own origin. Requests without an
 * Origin header are not from a browser page.
 * @module
 */

export type OriginVerdict = { ok: true } | { ok: false; reason: string };

function ipv4(host: string): number[] | undefined {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
}

/** Hosts whose pages may count as the gateway's own origin without an allowlist entry. Pure. */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local") || host.endsWith(".ts.net"))
    return true;
  const v4 = ipv4(host.startsWith("::ffff:") ? host.slice(7) : host);
  if (v4) {
    const [a, b] = v4 as [number, number];
    return (
      a === 127 ||
      a === 10 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127) // Tailscale's CGNAT range
    );
  }
  if (!host.includes(":")) return false;
  return host === "::1" || /^f[cd][0-9a-f]{2}:/.test(host) || /^fe[89ab][0-9a-f]:/.test(host);
}

export function checkOrigin(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
  options: { hostHeaderFallback?: boolean | undefined } = {},
): OriginVerdict {
  if (origin === undefined) return { ok: true };
  if (allowed.includes("*") || allowed.includes(origin)) return { ok: true };
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return { ok: false, reason: "origin missing or invalid" };
  }
  const web = parsed.protocol === "http:" || parsed.protocol === "https:";
  // The URL parser drops a default port that a Host header may still carry.
  const defaultPort = parsed.protocol === "https:" ? ":443" : ":80";
  const sameHost = host !== undefined && parsed.host === host.toLowerCase().replace(new RegExp(`${defaultPort}$`), "");
  if (web && sameHost) {
    if (options.hostHeaderFallback || isPrivateHost(parsed.hostname)) return { ok: true };
    return { ok: false, reason: `origin not allowed: ${parsed.hostname} is a public name` };
  }
  return { ok: false, reason: "origin not allowed" };
}
