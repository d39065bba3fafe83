/**
 * Who listens on a TCP port: from /proc/net/tcp and tcp6 and the processes' file descriptors (Linux),
 * else from `lsof`. Used to explain EADDRINUSE and by `--force`.
 * @module
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export interface PortListener {
  readonly address: string;
  readonly pid?: number;
  readonly command?: string;
  readonly commandLine?: string;
}

function hexToIPv4(hex: string): string {
  const n = Buffer.from(hex, "hex");
  return `${n[3]}.${n[2]}.${n[1]}.${n[0]}`;
}

function hexToIPv6(hex: string): string {
  const groups: string[] = [];
  for (let i = 0; i < 32; i += 8) {
    // Each 32-bit word is stored in host (little-endian) order.
    const word = Buffer.from(Buffer.from(hex.slice(i, i + 8), "hex").toReversed()).toString("hex");
    groups.push(
      String(parseInt(word.slice(0, 4), 16).toString(16)),
      String(parseInt(word.slice(4, 8), 16).toString(16)),
    );
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  if (bestStart < 0) return groups.join(":");
  return `${groups.slice(0, bestStart).join(":")}::${groups.slice(bestStart + bestLength).join(":")}`;
}

/** Listening sockets on `port`: address and socket inode, from the kernel's tables. */
export function readProcListeners(port: number, procRoot = "/proc"): { address: string; inode: string }[] {
  const out: { address: string; inode: string }[] = [];
  for (const [file, v6] of [
    ["net/tcp", false],
    ["net/tcp6", true],
  ] as const) {
    let text: string;
    try {
      text = readFileSync(`${procRoot}/${file}`, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== "0A") continue; // 0A = LISTEN
      const [ipHex, portHex] = cols[1]!.split(":");
      if (parseInt(portHex!, 16) !== port) continue;
      out.push({ address: `${v6 ? `[${hexToIPv6(ipHex!)}]` : hexToIPv4(ipHex!)}:${port}`, inode: cols[9]! });
    }
  }
  return out;
}

function pidsForInodes(inodes: Set<string>, procRoot: string): Map<string, number> {
  const found = new Map<string, number>();
  let pids: string[];
  try {
    pids = readdirSync(procRoot).filter((d) => /^\d+$/.test(d));
  } catch {
    return found;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`${procRoot}/${pid}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`${procRoot}/${pid}/fd/${fd}`));
        if (match && inodes.has(match[1]!)) found.set(match[1]!, Number(pid));
      } catch {
        // closed meanwhile
      }
    }
    if (found.size === inodes.size) break;
  }
  return found;
}

export function commandLineOf(pid: number): string | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return raw.split("\0").filter(Boolean).join(" ") || undefined;
  } catch {
    return undefined;
  }
}

/** Everything that listens on `port`, with pid and command line where this user can see them. */
export function findPortListeners(port: number): PortListener[] {
  const sockets = readProcListeners(port);
  if (sockets.length > 0) {
    const pids = pidsForInodes(new Set(sockets.map((s) => s.inode)), "/proc");
    return sockets.map((s) => {
      const pid = pids.get(s.inode);
      const commandLine = pid === undefined ? undefined : commandLineOf(pid);
      return {
        address: s.address,
        ...(pid !== undefined ? { pid } : {}),
        ...(commandLine ? { commandLine, command: commandLine.split(" ")[0]! } : {}),
      };
    });
  }
  try {
    // macOS and other systems without /proc
    const text = execFileSync("lsof", ["-nP", `-iTCP:${port}`, "-sTCP:LISTEN", "-Fpcn"], {
      encoding: "utf8",
      timeout: 3000,
      stdio: ["ignore", "pipe", "ignore"],
    });
    const out: PortListener[] = [];
    let pid: number | undefined;
    let command: string | undefined;
    for (const line of text.split("\n")) {
      if (line.startsWith("p")) pid = Number(line.slice(1));
      else if (line.startsWith("c")) command = line.slice(1);
      else if (line.startsWith("n") && pid !== undefined)
        out.push({ address: line.slice(1), pid, ...(command ? { command, commandLine: command } : {}) });
    }
    return out;
  } catch {
    return [];
  }
}

/** True when the command line is an openclaw gateway (ours or upstream's). */
export function isGatewayCommandLine(commandLine: string | undefined): boolean {
  if (!commandLine) return false;
  return /\bgateway\b/.test(commandLine) && /openclaw|entry\.cjs/.test(commandLine);
}
