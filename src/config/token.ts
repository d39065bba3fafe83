/** The generated gateway token: 32 random bytes as hex, saved to the config, never printed. @module */
import { randomBytes } from "node:crypto";
import type { GatewaySettings } from "./gateway-settings.js";
import type { ConfigSnapshot } from "./load.js";
import type { Env, StatePaths } from "./paths.js";
import { updateConfig } from "./update.js";

export function generateToken(): string {
  return randomBytes(32).toString("hex");
}

/**
 * When auth is token mode and no token resolves from flag, environment or config, writes a new one to
 * `gateway.auth.token` (atomic, with backup and audit). Returns the snapshot after, and whether it wrote.
 */
export function ensureGatewayToken(input: {
  paths: Pick<StatePaths, "configPath" | "logsDir">;
  env: Env;
  snapshot: ConfigSnapshot;
  settings: GatewaySettings;
  command: string;
}): { snapshot: ConfigSnapshot; generated: boolean } {
  if (input.settings.auth.mode !== "token" || input.settings.auth.token)
    return { snapshot: input.snapshot, generated: false };
  const outcome = updateConfig({
    configPath: input.paths.configPath,
    logsDir: input.paths.logsDir,
    env: input.env,
    edits: [{ path: ["gateway", "auth", "token"], value: generateToken() }],
    command: input.command,
    now: new Date(),
  });
  return { snapshot: outcome.after, generated: true };
}
