/** `health`, `status`, `system-presence`, `models.list`, `node.pluginSurface.refresh`. @module */
import * as v from "valibot";
import { findLastGatewayError } from "../../logging/last-error.js";
import { ErrorCodes, GatewayError, invalidRequest } from "../../protocol/errors.js";
import { hasScope } from "../../protocol/methods.js";
import { canvasHostEnabled, capabilityUrl } from "../canvas.js";
import { credentialsFor } from "../../providers/auth-profiles.js";
import { resolveModel } from "../../providers/resolve.js";
import { healthSummary, primaryModel } from "../health-summary.js";
import { renderMetrics } from "../metrics.js";
import type { GatewayRuntime } from "../runtime.js";
import type { MethodHandler } from "./index.js";
import { noParams, parseParams } from "./params.js";

const healthParams = v.looseObject({ probe: v.optional(v.boolean()) });

/** Models named in the config: providers' model lists and the default model with its fallbacks. */
export function configuredModels(
  runtime: GatewayRuntime,
): { id: string; name: string; provider: string; contextWindow?: number; reasoning?: boolean; input?: string[] }[] {
  const out = new Map<
    string,
    { id: string; name: string; provider: string; contextWindow?: number; reasoning?: boolean; input?: string[] }
  >();
  const providers = runtime.snapshot.config.models?.providers ?? {};
  for (const [provider, entry] of Object.entries(providers)) {
    for (const model of entry.models ?? []) {
      out.set(`${provider}/${model.id}`, {
        id: model.id,
        name: model.name ?? model.id,
        provider,
        ...(model.contextWindow !== undefined ? { contextWindow: model.contextWindow } : {}),
        ...(model.reasoning !== undefined ? { reasoning: model.reasoning } : {}),
        ...(model.input ? { input: [...model.input] } : {}),
      });
    }
  }
  const model = runtime.snapshot.config.agents?.defaults?.model;
  const refs =
    typeof model === "string" ? [model] : [...(model?.primary ? [model.primary] : []), ...(model?.fallbacks ?? [])];
  for (const ref of refs) {
    if (out.has(ref)) continue;
    const slash = ref.indexOf("/");
    out.set(ref, { id: ref.slice(slash + 1), name: ref.slice(slash + 1), provider: ref.slice(0, slash) });
  }
  return [...out.values()];
}

/** The primary model and where its key comes from (never the key): what the Control UI's overview shows. */
function modelState(runtime: GatewayRuntime): Record<string, unknown> {
  const primary = primaryModel(runtime);
  if (!primary) return { primary: null, credential: "none", error: "no model is configured" };
  try {
    const resolved = resolveModel(primary, runtime.snapshot.config, runtime.env);
    const credentials = credentialsFor({
      provider: resolved.provider,
      configKey: resolved.configKey,
      envName: resolved.envName,
      env: runtime.env,
      credentialsDir: runtime.paths.credentialsDir,
    }).filter((c) => c.apiKey);
    const local = /^https?:\/\/(127\.|localhost|\[::1\])/.test(resolved.baseUrl);
    return {
      primary,
      provider: resolved.provider,
      api: resolved.api,
      // A local server usually needs no key; a hosted one without a key fails at the first turn.
      credential: credentials.length ? "present" : local ? "not-needed" : "missing",
      // Where each key comes from (config, a profile id, env:NAME), never the key.
      sources: credentials.map((c) => c.id),
      ...(credentials.length || local ? {} : { hint: `set ${resolved.envName} in the gateway's .env` }),
    };
  } catch (error) {
    return { primary, credential: "unknown", error: (error as Error).message };
  }
}

export const handlers: Record<string, MethodHandler> = {
  health: ({ runtime, params }) => {
    const p = parseParams("health", healthParams, params);
    return healthSummary(runtime, p.probe === true);
  },
  status: ({ runtime, connection, params }) => {
    parseParams("status", noParams, params);
    const admin = hasScope(connection.scopes, "operator.admin");
    const health = healthSummary(runtime) as { sessions: unknown };
    return {
      runtimeVersion: runtime.version,
      uptimeMs: Date.now() - runtime.startedAt,
      heartbeat: { defaultAgentId: "default", agents: [] },
      channelSummary: [],
      queuedSystemEvents: [],
      sessions: { ...(health.sessions as object), defaults: { model: primaryModel(runtime), contextTokens: null } },
      gateway: {
        port: runtime.settings.port,
        bind: runtime.settings.bind,
        listening: [...runtime.listening],
        auth: runtime.auth.mode,
        clients: runtime.clients.size,
        ...(admin
          ? {
              pid: runtime.pid,
              configPath: runtime.paths.configPath,
              stateDir: runtime.paths.stateDir,
              profile: runtime.paths.profile,
            }
          : {}),
      },
      model: modelState(runtime),
      lastError: findLastGatewayError(runtime.paths.logsDir, runtime.currentLogFile()) ?? null,
      config: {
        valid: true,
        hash: runtime.snapshot.hash,
        ignored: [...runtime.snapshot.ignored],
        reload: { ...runtime.reload },
      },
    };
  },
  /** The `/metrics` text over the socket, for `openclaw status --deep`. */
  metrics: async ({ runtime, params }) => {
    parseParams("metrics", noParams, params);
    const { text } = await renderMetrics(runtime);
    return { text };
  },
  "system-presence": ({ runtime, params }) => {
    parseParams("system-presence", noParams, params);
    return runtime.clients.presence();
  },
  "models.list": ({ runtime, params }) => {
    parseParams("models.list", v.looseObject({}), params);
    return { models: configuredModels(runtime), primary: primaryModel(runtime) };
  },
  /** A fresh capability URL for a surface (the canvas): what a node's WebView or the UI's iframe loads. */
  "node.pluginSurface.refresh": ({ runtime, connection, params }) => {
    const p = parseParams(
      "node.pluginSurface.refresh",
      v.looseObject({ surface: v.optional(v.pipe(v.string(), v.maxLength(64))) }),
      params,
    );
    const surface = p.surface ?? "canvas";
    if (surface !== "canvas")
      throw invalidRequest(`unknown surface ${JSON.stringify(surface)}; this gateway serves: canvas`);
    if (!canvasHostEnabled(runtime.env))
      throw new GatewayError(ErrorCodes.UNAVAILABLE, "the canvas host is off (OPENCLAW_SKIP_CANVAS_HOST)");
    const { token, expiresAtMs } = runtime.canvasCapabilities.mint();
    return { surface, url: capabilityUrl(connection.httpBase, token), expiresAtMs };
  },
};
