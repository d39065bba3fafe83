/**
 * Where the agent's browser may go (upstream's `browser.ssrfPolicy`): http and https only; hostnames on the
 * blocklist never; hostnames on the allowlist always; anything else only when every address it resolves
 * to is public, unless `dangerouslyAllowPrivateNetwork`. Checked before each navigation and again on the
 * URL a navigation ends at (a redirect to a private address is refused too).
 * @module
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { isPrivateAddress } from "../config/bind.js";

export interface SsrfPolicy {
  readonly allowPrivateNetwork: boolean;
  readonly allowedHostnames: readonly string[];
  readonly blockedHostnames: readonly string[];
}

const list = (v: unknown) => (Array.isArray(v) ? v.map((h) => String(h).toLowerCase()) : []);

export function ssrfPolicy(config: Record<string, unknown> | undefined): SsrfPolicy {
  return {
    allowPrivateNetwork: config?.dangerouslyAllowPrivateNetwork === true || config?.allowPrivateNetwork === true,
    allowedHostnames: list(config?.allowedHostnames),
    blockedHostnames: list(config?.blockedHostnames),
  };
}

/** `*.example.com` matches subdomains; anything else matches exactly. */
function matches(host: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.startsWith("*.") ? host.endsWith(p.slice(1)) : host === p));
}

export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

export async function checkUrl(
  raw: string,
  policy: SsrfPolicy,
  resolve: (host: string) => Promise<string[]> = async (host) =>
    (await lookup(host, { all: true })).map((a) => a.address),
): Promise<UrlVerdict> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: `not a URL: ${JSON.stringify(raw.slice(0, 200))}` };
  }
  if (url.href === "about:blank") return { ok: true, url };
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return { ok: false, reason: `only http and https pages can be opened, not ${url.protocol}` };
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  if (matches(host, policy.blockedHostnames))
    return { ok: false, reason: `${host} is in browser.ssrfPolicy.blockedHostnames` };
  if (matches(host, policy.allowedHostnames) || policy.allowPrivateNetwork) return { ok: true, url };
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch (error) {
    return { ok: false, reason: `${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? "error"})` };
  }
  const blocked = addresses.find(isPrivateAddress);
  if (blocked)
    return {
      ok: false,
      reason: `${host} resolves to ${blocked}, a private or local address; the browser refuses those unless the host is in browser.ssrfPolicy.allowedHostnames`,
    };
  return { ok: true, url };
}
