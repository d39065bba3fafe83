/**
 * `browser.request` (admin): upstream's control API over the gateway socket, `{method, path, query, body}`
 * mapped onto the browser service's actions. The CLI's `openclaw browser …` uses only this.
 * @module
 */
import { join } from "node:path";
import * as v from "valibot";
import { BrowserError } from "../../browser/settings.js";
import { ErrorCodes, GatewayError, invalidRequest } from "../../protocol/errors.js";
import type { GatewayRuntime } from "../runtime.js";
import type { MethodHandler } from "./index.js";
import { parseParams } from "./params.js";

const requestParams = v.looseObject({
  method: v.picklist(["GET", "POST", "DELETE"]),
  path: v.pipe(v.string(), v.regex(/^\/[\w/.-]*$/, "Expected a path such as /tabs"), v.maxLength(200)),
  query: v.optional(v.record(v.string(), v.unknown())),
  body: v.optional(v.record(v.string(), v.unknown())),
  timeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1000), v.maxValue(120_000))),
});

/** The route's action and its arguments, or undefined for a route this gateway does not have. Pure. */
export function routeToAction(
  method: string,
  path: string,
  query: Record<string, unknown>,
  body: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const tab = /^\/tabs\/([\w-]+)$/.exec(path)?.[1];
  const key = `${method} ${tab && method === "DELETE" ? "/tabs/:id" : path}`;
  switch (key) {
    case "GET /":
      return { action: "status" };
    case "GET /doctor":
      return { action: "doctor" };
    case "POST /start":
      return { action: "start" };
    case "POST /stop":
      return { action: "stop" };
    case "GET /profiles":
      return { action: "profiles" };
    case "GET /tabs":
      return { action: "tabs" };
    case "POST /tabs/open":
      return { action: "open", targetUrl: body.url ?? body.targetUrl, label: body.label };
    case "POST /tabs/focus":
      return { action: "focus", targetId: body.targetId };
    case "POST /tabs/action":
      switch (body.action) {
        case "list":
          return { action: "tabs" };
        case "new":
          return { action: "open", targetUrl: body.url ?? "about:blank", label: body.label };
        case "label":
          return { action: "label", targetId: body.targetId, label: body.label };
        case "select":
          return { action: "focus", targetId: body.targetId };
        case "close":
          return { action: "close", targetId: body.targetId };
        default:
          return undefined;
      }
    case "DELETE /tabs/:id":
      return { action: "close", targetId: tab };
    case "POST /navigate":
      return {
        action: "navigate",
        targetUrl: body.url ?? body.targetUrl,
        targetId: body.targetId,
        timeoutMs: body.timeoutMs,
      };
    case "GET /snapshot":
      return { action: "snapshot", ...query };
    case "POST /screenshot":
      return { action: "screenshot", ...body };
    case "POST /act":
      return { action: "act", request: body };
    case "GET /text":
      return { action: "text", ...query };
    case "GET /console":
      return { action: "console", ...query };
    case "GET /errors":
      return { action: "errors", ...query };
    case "GET /requests":
      return { action: "requests", ...query };
    case "POST /pdf":
      return { action: "pdf", ...body };
    case "POST /hooks/file-chooser":
      return { action: "upload", ...body };
    case "POST /hooks/dialog":
      return { action: "dialog", ...body };
    case "POST /download":
      return { action: "download", ...body };
    case "POST /wait/download":
      return { action: "waitfordownload", ...body };
    case "POST /set/media":
      return { action: "emulate", colorScheme: body.colorScheme, targetId: body.targetId };
    case "POST /set/timezone":
      return { action: "emulate", timezoneId: body.timezoneId, targetId: body.targetId };
    case "POST /set/locale":
      return { action: "emulate", locale: body.locale, targetId: body.targetId };
    case "POST /set/device":
      return { action: "emulate", device: body.name ?? body.device, targetId: body.targetId };
    default:
      return undefined;
  }
}

/**
 * One control-API request on the gateway's browser, for `browser.request` and the control port alike:
 * the route's action run on the profile `query.profile` names. Undefined for a route this gateway does not
 * have; a `BrowserError` for what the caller can fix.
 */
export async function runBrowserRoute(
  runtime: GatewayRuntime,
  request: { method: string; path: string; query: Record<string, unknown>; body: Record<string, unknown> },
): Promise<Record<string, unknown> | undefined> {
  const args = routeToAction(request.method, request.path, request.query, request.body);
  if (!args) return undefined;
  const workspace = runtime.snapshot.config.agents?.defaults?.workspace ?? runtime.paths.workspaceDir;
  return runtime.browser.act(
    { ...args, ...(typeof request.query.profile === "string" ? { profile: request.query.profile } : {}) },
    // Files the CLI saves go beside the browser's profiles; uploads come from the agent's workspace.
    { dir: join(runtime.paths.stateDir, "browser", "media"), uploadRoots: [workspace] },
  );
}

export const handlers: Record<string, MethodHandler> = {
  "browser.request": async ({ runtime, params }) => {
    const p = parseParams("browser.request", requestParams, params);
    let result: Record<string, unknown> | undefined;
    try {
      result = await runBrowserRoute(runtime, {
        method: p.method,
        path: p.path,
        query: p.query ?? {},
        body: p.body ?? {},
      });
    } catch (error) {
      if (error instanceof BrowserError) throw invalidRequest(error.message);
      throw new GatewayError(ErrorCodes.UNAVAILABLE, `browser: ${(error as Error).message}`, {
        details: { hint: "See docs/browser.md (troubleshooting), or openclaw logs --level warn" },
      });
    }
    if (!result) throw invalidRequest(`no browser route ${p.method} ${p.path}`);
    return result;
  },
};
