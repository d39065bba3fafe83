/** Watching the config file and deciding what a change needs: nothing, a live swap, or a restart. @module */
import { watch, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";
import type { GatewaySettings } from "../config/gateway-settings.js";

export type ReloadMode = "off" | "hot" | "restart" | "hybrid";
export type ReloadAction = "none" | "hot" | "restart" | "restart-needed";

/**
 * Calls `onChange` once per burst of changes to the file (atomic renames included: the directory is
 * watched, not the file's inode). Returns a stop function.
 */
export function watchConfigFile(path: string, debounceMs: number, onChange: () => void): () => void {
  const name = basename(path);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
      if (file !== null && file !== name) return;
      clearTimeout(timer);
      timer = setTimeout(onChange, debounceMs);
    });
    watcher.on("error", () => undefined);
  } catch {
    // No directory yet, or no inotify: reloads then happen by SIGUSR1 and through the config methods.
  }
  return () => {
    clearTimeout(timer);
    watcher?.close();
  };
}

/** What only a restart applies: how the gateway is reached (address, port, TLS, Tailscale exposure). */
export function listenerChanged(a: GatewaySettings, b: GatewaySettings): boolean {
  return (
    a.port !== b.port ||
    a.bind !== b.bind ||
    a.customBind !== b.customBind ||
    a.tls?.certPath !== b.tls?.certPath ||
    a.tls?.keyPath !== b.tls?.keyPath ||
    a.tailscale.mode !== b.tailscale.mode
  );
}

export function authChanged(a: GatewaySettings, b: GatewaySettings): boolean {
  return a.auth.mode !== b.auth.mode || a.auth.token !== b.auth.token || a.auth.password !== b.auth.password;
}

/** What a valid new config needs under `gateway.reload.mode`. */
export function planReload(mode: ReloadMode, before: GatewaySettings, after: GatewaySettings): ReloadAction {
  if (mode === "off") return "none";
  if (mode === "restart") return "restart";
  if (!listenerChanged(before, after)) return "hot";
  return mode === "hybrid" ? "restart" : "restart-needed";
}
