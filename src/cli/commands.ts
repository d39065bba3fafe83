/** The lazy loader of each command's module, keyed by the names in `catalog.ts`. @module */
import type { CommandModule } from "./command.js";

export const COMMAND_LOADERS: Readonly<Record<string, () => Promise<CommandModule>>> = {
  config: () => import("./commands/config.js"),
  logs: () => import("./commands/logs.js"),
  doctor: () => import("./commands/doctor.js"),
};
