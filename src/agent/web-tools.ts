/**
 * `web_fetch` (bounded in size and time; private, link-local and loopback addresses refused unless
 * `tools.web.fetch.allowPrivateNetwork`) and `web_search` (Brave Search API; key and base URL from
 * `tools.web.search` or BRAVE_API_KEY).
 * @module
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { isPrivateAddress } from "../config/bind.js";
import type { ToolResult } from "./tools.js";

export interface WebSettings {
  readonly fetch: { allowPrivateNetwork: boolean; maxBytes: number; timeoutMs: number };
  readonly search: { apiKey?: string | undefined; baseUrl: string; count: number };
}

export const DEFAULT_FETCH_MAX_BYTES = 2 * 1024 * 1024;
export const MAX_REDIRECTS = 5;

async function checkHost(url: URL, settings: WebSettings): Promise<void> {
  if (settings.fetch.allowPrivateNetwork) return;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  const blocked = addresses.find(isPrivateAddress);
  if (blocked)
    throw new Error(
      `${url.hostname} resolves to ${blocked}, a private or local address; web_fetch refuses those unless tools.web.fetch.allowPrivateNetwork is true`,
    );
}

function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|noscript)[\s\S]*?<\/\1>/gi, " ")
    .replace(/<br\s*\/?>|<\/(p|div|li|h\d|tr)>/gi, "\n")
    .replace(/<[^>]+>/g, " ")
    .replace(/&nbsp;/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/[ \t]+/g, " ")
    .replace(/\n\s*\n+/g, "\n\n")
    .trim();
}

export async function webFetch(
  args: Record<string, unknown>,
  settings: WebSettings,
  signal: AbortSignal,
): Promise<ToolResult> {
  if (typeof args.url !== "string") return { text: "url must be a string", isError: true };
  let url: URL;
  try {
    url = new URL(args.url);
  } catch {
    return { text: `not a URL: ${args.url}`, isError: true };
  }
  const timeout = AbortSignal.any([signal, AbortSignal.timeout(settings.fetch.timeoutMs)]);
  try {
    let response: Response | undefined;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      if (url.protocol !== "http:" && url.protocol !== "https:")
        return { text: `only http and https URLs can be fetched (got ${url.protocol})`, isError: true };
      // Each hop is checked: a public page must not redirect the fetch into the local network.
      await checkHost(url, settings);
      response = await fetch(url, {
        redirect: "manual",
        signal: timeout,
        headers: { "User-Agent": "openclaw-gateway web_fetch" },
      });
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        url = new URL(location, url);
        continue;
      }
      break;
    }
    if (!response) return { text: "too many redirects", isError: true };
    const chunks: Uint8Array[] = [];
    let size = 0;
    let truncated = false;
    const reader = response.body?.getReader();
    for (;;) {
      if (!reader) break;
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > settings.fetch.maxBytes) {
        chunks.push(value.subarray(0, value.length - (size - settings.fetch.maxBytes)));
        truncated = true;
        await reader.cancel();
        break;
      }
      chunks.push(value);
    }
    const raw = Buffer.concat(chunks).toString("utf8");
    const type = response.headers.get("content-type") ?? "";
    const text = /html/.test(type) ? htmlToText(raw) : raw;
    return {
      text: `HTTP ${response.status} ${url.toString()}\n\n${text}${truncated ? `\n… (cut at ${settings.fetch.maxBytes} bytes)` : ""}`,
      isError: response.status >= 400,
    };
  } catch (error) {
    const e = error as Error;
    if (timeout.aborted && !signal.aborted)
      return { text: `web_fetch timed out after ${settings.fetch.timeoutMs / 1000} s`, isError: true };
    return { text: e.message, isError: true };
  }
}

export async function webSearch(
  args: Record<string, unknown>,
  settings: WebSettings,
  signal: AbortSignal,
): Promise<ToolResult> {
  if (typeof args.query !== "string" || args.query.trim() === "")
    return { text: "query must be a non-empty string", isError: true };
  if (!settings.search.apiKey) {
    return {
      text: "web_search needs a Brave Search API key: openclaw config set tools.web.search.apiKey <key> (or BRAVE_API_KEY in ~/.openclaw/.env)",
      isError: true,
    };
  }
  const url = new URL("/res/v1/web/search", settings.search.baseUrl);
  url.searchParams.set("q", args.query);
  url.searchParams.set("count", String(settings.search.count));
  try {
    const response = await fetch(url, {
      signal: AbortSignal.any([signal, AbortSignal.timeout(20_000)]),
      headers: { Accept: "application/json", "X-Subscription-Token": settings.search.apiKey },
    });
    if (response.status === 401 || response.status === 403)
      return { text: "web_search: the Brave Search API key was refused", isError: true };
    if (response.status === 429)
      return { text: "web_search: rate-limited by the search API; try again later", isError: true };
    if (!response.ok) return { text: `web_search: HTTP ${response.status}`, isError: true };
    const body = (await response.json()) as {
      web?: { results?: { title?: string; url?: string; description?: string }[] };
    };
    const results = body.web?.results ?? [];
    if (results.length === 0) return { text: "no results", isError: false };
    return {
      text: results
        .map(
          (r, i) => `${i + 1}. ${htmlToText(r.title ?? "")}\n   ${r.url ?? ""}\n   ${htmlToText(r.description ?? "")}`,
        )
        .join("\n"),
      isError: false,
    };
  } catch (error) {
    return { text: `web_search failed: ${(error as Error).message}`, isError: true };
  }
}
