/** The lazy loader of each command's module, keyed by the names in `catalog.ts`. @module */
import type { CommandModule } from "./command.js";

export const COMMAND_LOADERS: Readonly<Record<string, () => Promise<CommandModule>>> = {
  gateway: () => import("./commands/gateway.js"),
  status: () => import("./commands/status.js"),
  health: () => import("./commands/health.js"),
  dashboard: () => import("./commands/dashboard.js"),
  agent: () => import("./commands/agent.js"),
  sessions: () => import("./commands/sessions.js"),
  models: () => import("./commands/models.js"),
  channels: () => import("./commands/channels.js"),
  pairing: () => import("./commands/pairing.js"),
  message: () => import("./commands/message.js"),
  devices: () => import("./commands/devices.js"),
  browser: () => import("./commands/browser.js"),
  config: () => import("./commands/config.js"),
  logs: () => import("./commands/logs.js"),
  doctor: () => import("./commands/doctor.js"),
  onboard: () => import("./commands/onboard.js"),
  setup: () => import("./commands/onboard.js"),
};
