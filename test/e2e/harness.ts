/** Runs the built `openclaw` binary as a user would, in a temporary HOME. */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../dist/entry.cjs", import.meta.url));
if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build before the end-to-end tests`);

/** util-linux `runuser`, by absolute path: test environments often leave /usr/sbin off PATH. */
export const RUNUSER = ["/usr/sbin/runuser", "/sbin/runuser"].find((p) => existsSync(p)) ?? "runuser";

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Home {
  readonly dir: string;
  run(args: string[], options?: { env?: Record<string, string>; cwd?: string; timeoutMs?: number }): Promise<CliResult>;
  cleanup(): void;
}

/** A fresh HOME; the child sees only PATH, HOME and what the test adds (no OPENCLAW_* leaks in). */
export function makeHome(): Home {
  const dir = mkdtempSync(join(tmpdir(), "oc-e2e-"));
  return {
    dir,
    run: (args, options = {}) =>
      runCli(args, { env: { HOME: dir, ...options.env }, cwd: options.cwd ?? dir, timeoutMs: options.timeoutMs }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function runCli(
  args: string[],
  options: { env: Record<string, string>; cwd: string; timeoutMs?: number | undefined },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
