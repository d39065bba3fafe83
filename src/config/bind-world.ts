/** The real machine behind `NetworkWorld`: interfaces, `tailscale ip -4`, container hints. @module */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import type { Env } from "./paths.js";
import type { NetworkWorld } from "./bind.js";

export function systemNetworkWorld(env: Env): NetworkWorld {
  return {
    interfaceAddresses: () =>
      Object.values(networkInterfaces())
        .flat()
        .filter((info) => info !== undefined && info.family === "IPv4")
        .map((info) => info!.address),
    tailscaleIPv4: () =>
      new Promise((resolve) => {
        execFile("tailscale", ["ip", "-4"], { timeout: 3000, env: { ...env } as NodeJS.ProcessEnv }, (error, stdout) =>
          resolve(error ? undefined : stdout),
        );
      }),
    inContainer: () => {
      if (["/.dockerenv", "/run/.containerenv", "/var/run/.containerenv"].some((p) => existsSync(p))) return true;
      if (env.KUBERNETES_SERVICE_HOST) return true;
      try {
        return /docker|kubepods|containerd|libpod|lxc/.test(readFileSync("/proc/1/cgroup", "utf8"));
      } catch {
        return false;
      }
    },
  };
}
