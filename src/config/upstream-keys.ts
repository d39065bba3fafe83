/**
 * Keys that OpenClaw itself writes but this project does not use (yet). A config written by OpenClaw
 * must load unchanged: these are set aside before validation, reported once as ignored, and kept
 * as they are on every write (writes edit the file's text, so nothing here is ever dropped).
 * When a feature starts to use one of them, it moves into `schema.ts`.
 * @module
 */

/** Dot paths of objects or values; everything below a listed path is ignored too. */
export const UPSTREAM_ONLY_PATHS: readonly string[] = [
  // top level (src/config/types.openclaw.ts upstream)
  "meta",
  "auth",
  "acp",
  "wizard",
  "diagnostics",
  "cli",
  "update",
  "ui",
  "secrets",
  "skills",
  "plugins",
  "nodeHost",
  "tools.profile",
  "tools.allow",
  "tools.deny",
  "tools.exec",
  "tools.elevated",
  "tools.media",
  "tools.links",
  "tools.agentToAgent",
  "bindings",
  "broadcast",
  "audio",
  "media",
  "messages",
  "commands",
  "approvals",
  "web",
  "cron",
  "hooks",
  "discovery",
  "canvasHost",
  "talk",
  "memory",
  "mcp",
  "telemetry",
  // gateway
  "gateway.http",
  "gateway.push",
  "gateway.nodes",
  "gateway.tools",
  "gateway.webchat",
  "gateway.allowRealIpFallback",
  "gateway.channelHealthCheckMinutes",
  "gateway.channelStaleEventThresholdMinutes",
  "gateway.channelMaxRestartsPerHour",
  "gateway.auth.trustedProxy",
  "gateway.controlUi.allowInsecureAuth",
  "gateway.controlUi.dangerouslyDisableDeviceAuth",
  "gateway.controlUi.embedSandbox",
  "gateway.controlUi.allowExternalEmbedUrls",
  // agents
  "agents.entries",
  "agents.defaults.thinkingDefault",
  "agents.defaults.verboseDefault",
  "agents.defaults.elevatedDefault",
  "agents.defaults.imageModel",
  "agents.defaults.models",
  "agents.defaults.mediaMaxMb",
  "agents.defaults.heartbeat",
  "agents.defaults.contextTokens",
  "agents.defaults.timeoutSeconds",
  "agents.defaults.userTimezone",
  "agents.defaults.envelopeTimezone",
  "agents.defaults.compaction",
  "agents.defaults.contextPruning",
  "agents.defaults.sandbox",
  "agents.defaults.subagents",
  "agents.defaults.maxConcurrent",
  "agents.defaults.skipBootstrap",
  "agents.defaults.bootstrapMaxChars",
  "agents.defaults.blockStreamingDefault",
  "agents.defaults.typingMode",
  "agents.defaults.humanDelay",
  "agents.defaults.memorySearch",
  "agents.defaults.cliBackends",
  // models
  "models.catalogRefresh",
  "models.bedrockDiscovery",
  "models.copilotDiscovery",
  "models.huggingfaceDiscovery",
  "models.ollamaDiscovery",
  // logging
  "logging.consoleTimestamps",
];

const SET = new Set(UPSTREAM_ONLY_PATHS);

/** True when `path` (dot-joined object keys) is, or lies under, an upstream-only key. */
export function isUpstreamOnlyPath(segments: readonly (string | number)[]): boolean {
  let prefix = "";
  for (const segment of segments) {
    if (typeof segment === "number") return false;
    prefix = prefix ? `${prefix}.${segment}` : segment;
    if (SET.has(prefix)) return true;
  }
  return false;
}

/**
 * Returns a copy of `config` without the upstream-only keys, and the dot paths that were present.
 * Only plain objects are descended into; arrays are never split.
 */
export function setAsideUpstreamKeys(config: unknown): { rest: unknown; ignored: string[] } {
  const ignored: string[] = [];
  const walk = (value: unknown, prefix: string): unknown => {
    if (!isPlainObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (SET.has(path)) {
        ignored.push(path);
        continue;
      }
      out[key] = walk(child, path);
    }
    return out;
  };
  return { rest: walk(config, ""), ignored };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
