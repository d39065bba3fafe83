/** systemd linger: whether a user's services keep running after logout. @module */
import type { CommandRunner } from "./runner.js";

export type LingerState = { state: "on" | "off" | "unknown"; detail?: string };

export async function readLinger(runner: CommandRunner, user: string): Promise<LingerState> {
  const result = await runner("loginctl", ["show-user", user, "-p", "Linger"], { timeoutMs: 5000 });
  if (result.missing) return { state: "unknown", detail: "loginctl is not installed" };
  const value = /Linger=(yes|no)/.exec(result.stdout)?.[1];
  if (value === "yes") return { state: "on" };
  if (value === "no") return { state: "off" };
  return { state: "unknown", detail: (result.stderr || result.stdout).trim().split("\n")[0] };
}

/** Turns linger on when allowed; otherwise returns the exact command for the user to run. */
export async function enableLinger(
  runner: CommandRunner,
  user: string,
): Promise<{ enabled: boolean; command: string; detail?: string }> {
  const command = `sudo loginctl enable-linger ${user}`;
  const result = await runner("loginctl", ["enable-linger", user], { timeoutMs: 10_000 });
  if (result.code === 0) return { enabled: true, command };
  return { enabled: false, command, detail: (result.stderr || result.stdout).trim().split("\n")[0] };
}
