/** `health`, `status`, `system-presence`, `models.list`. @module */
import * as v from "valibot";
import { hasScope } from "../../protocol/methods.js";
import { healthSummary, primaryModel } from "../health-summary.js";
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
      config: {
        valid: true,
        hash: runtime.snapshot.hash,
        ignored: [...runtime.snapshot.ignored],
        reload: { ...runtime.reload },
      },
    };
  },
  "system-presence": ({ runtime, params }) => {
    parseParams("system-presence", noParams, params);
    return runtime.clients.presence();
  },
  "models.list": ({ runtime, params }) => {
    parseParams("models.list", v.looseObject({}), params);
    return { models: configuredModels(runtime), primary: primaryModel(runtime) };
  },
};
