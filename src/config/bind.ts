/**
 * Turns a bind mode into the addresses to listen on. The machine (interfaces, the `tailscale` command,
 * container hints) comes in as a `NetworkWorld`, so tests can play any host.
 * @module
 */
import { BlockList, isIP } from "node:net";
import type { BindMode } from "./gateway-settings.js";
import { GatewaySettingsError } from "./gateway-settings.js";

export interface NetworkWorld {
  /** IPv4 addresses of this host's interfaces. */
  interfaceAddresses(): string[];
  /** What `tailscale ip -4` prints, or undefined when it is missing or fails. */
  tailscaleIPv4(): Promise<string | undefined>;
  /** True inside Docker, Podman or a Kubernetes pod. */
  inContainer(): boolean;
}

export interface BindTarget {
  /** Addresses to listen on; the first must succeed, the others are best effort (IPv6 loopback). */
  readonly hosts: readonly string[];
  /** Only loopback addresses: auth may be relaxed and browsers on this host are trusted. */
  readonly loopbackOnly: boolean;
  /** The host that clients on this machine use to reach it. */
  readonly probeHost: string;
  readonly note?: string;
}

export function isLoopbackAddress(host: string): boolean {
  return (
    host === "::1" ||
    host === "localhost" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    host === "::ffff:127.0.0.1"
  );
}

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  PRIVATE.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  PRIVATE.addSubnet(net, prefix, "ipv6");

/**
 * True for loopback, private, link-local, carrier-grade NAT, multicast and unspecified addresses (and for
 * anything that is not an address): what `web_fetch` and the agent's browser refuse by default.
 */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const ip = mapped ?? address;
  const family = isIP(ip);
  if (family === 0) return true;
  return PRIVATE.check(ip, family === 4 ? "ipv4" : "ipv6");
}

/** 100.64.0.0/10, the range Tailscale hands out. */
export function isTailscaleAddress(host: string): boolean {
  const m = /^100\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(host);
  return m !== null && Number(m[1]) >= 64 && Number(m[1]) <= 127;
}

export async function resolveBindTarget(
  mode: BindMode,
  customBind: string | undefined,
  world: NetworkWorld,
): Promise<BindTarget> {
  switch (mode) {
    case "loopback":
      return { hosts: ["127.0.0.1", "::1"], loopbackOnly: true, probeHost: "127.0.0.1" };
    case "lan":
      return { hosts: ["0.0.0.0"], loopbackOnly: false, probeHost: "127.0.0.1" };
    case "auto":
      return world.inContainer()
        ? {
            hosts: ["0.0.0.0"],
            loopbackOnly: false,
            probeHost: "127.0.0.1",
            note: "auto: running in a container, listening on all interfaces",
          }
        : {
            hosts: ["127.0.0.1", "::1"],
            loopbackOnly: true,
            probeHost: "127.0.0.1",
            note: "auto: not in a container, loopback only",
          };
    case "custom": {
      if (!customBind || isIP(customBind) === 0) {
        throw new GatewaySettingsError(
          "bind mode custom needs gateway.customBind set to an IP address of this host",
          "Set it: openclaw config set gateway.customBind 192.168.1.10",
        );
      }
      return {
        hosts: [customBind],
        loopbackOnly: isLoopbackAddress(customBind),
        probeHost: customBind === "0.0.0.0" ? "127.0.0.1" : customBind,
      };
    }
    case "tailnet": {
      const fromCli = (await world.tailscaleIPv4())?.trim().split(/\s+/)[0];
      const address =
        fromCli && isTailscaleAddress(fromCli) ? fromCli : world.interfaceAddresses().find(isTailscaleAddress);
      if (!address) {
        throw new GatewaySettingsError(
          "bind mode tailnet: no Tailscale address (100.64.0.0/10) on this host",
          "Start Tailscale (sudo tailscale up) and check with: tailscale ip -4, or use --bind loopback",
        );
      }
      return { hosts: [address], loopbackOnly: false, probeHost: address };
    }
  }
}
