/** The `hello-ok` payload, shaped for the negotiated protocol (v3 clients get no v4-only keys). @module */
import { GATEWAY_EVENTS, hasScope } from "../protocol/methods.js";
import type { ConnectionInfo } from "./connection.js";
import { canvasHostEnabled, capabilityUrl } from "./canvas.js";
import { healthSummary } from "./health-summary.js";
import { METHOD_NAMES } from "./methods/index.js";
import type { GatewayRuntime } from "./runtime.js";

export function buildHello(runtime: GatewayRuntime, connection: ConnectionInfo): Record<string, unknown> {
  const admin = hasScope(connection.scopes, "operator.admin");
  const snapshot = {
    presence: runtime.clients.presence(),
    health: healthSummary(runtime),
    stateVersion: runtime.clients.stateVersion(),
    uptimeMs: Date.now() - runtime.startedAt,
    ...(admin
      ? { configPath: runtime.paths.configPath, stateDir: runtime.paths.stateDir, authMode: runtime.auth.mode }
      : {}),
    sessionDefaults: {
      defaultAgentId: "default",
      mainKey: "main",
      mainSessionKey: "agent:default:main",
      scope: "per-sender",
    },
    ...(connection.protocol >= 4 ? { appliedConfigHash: runtime.snapshot.hash } : {}),
  };
  return {
    type: "hello-ok",
    protocol: connection.protocol,
    server: { version: runtime.version, connId: connection.id },
    features: { methods: [...METHOD_NAMES], events: [...GATEWAY_EVENTS] },
    snapshot,
    ...(connection.protocol >= 4
      ? {
          auth: {
            method: connection.authMethod,
            role: connection.role,
            scopes: [...connection.scopes],
            ...(connection.issuedDeviceToken ? { deviceToken: connection.issuedDeviceToken } : {}),
          },
        }
      : {}),
    // Upstream hands nodes their surfaces' capability URLs here (refreshed with node.pluginSurface.refresh).
    ...(connection.role === "node" && canvasHostEnabled(runtime.env)
      ? { pluginSurfaceUrls: { canvas: capabilityUrl(connection.httpBase, runtime.canvasCapabilities.mint().token) } }
      : {}),
    policy: {
      maxPayload: runtime.limits.maxPayload,
      maxBufferedBytes: runtime.limits.maxBufferedBytes,
      tickIntervalMs: runtime.limits.tickIntervalMs,
    },
  };
}
