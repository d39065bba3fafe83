/** The one way service code runs `systemctl`, `loginctl`, `launchctl` and `schtasks`. @module */
import { execFile } from "node:child_process";

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The command is not installed. */
  readonly missing: boolean;
}

export type CommandRunner = (
  command: string,
  args: readonly string[],
  options?: { timeoutMs?: number },
) => Promise<CommandResult>;

/** Runs real commands with the given environment (tests put fake executables first on its PATH). */
export function systemRunner(env: Readonly<Record<string, string | undefined>>): CommandRunner {
  return (command, args, options = {}) =>
    new Promise((resolve) => {
      execFile(
        command,
        [...args],
        { env: env as NodeJS.ProcessEnv, timeout: options.timeoutMs ?? 30_000, maxBuffer: 4 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const e = error as (NodeJS.ErrnoException & { code?: number | string }) | null;
          if (e && e.code === "ENOENT") {
            resolve({ code: 127, stdout: "", stderr: `${command}: command not found`, missing: true });
            return;
          }
          resolve({
            code: e ? (typeof e.code === "number" ? e.code : 1) : 0,
            stdout: String(stdout),
            stderr: String(stderr),
            missing: false,
          });
        },
      );
    });
}

/** A failure of the service manager, with the next step. */
export class ServiceError extends Error {
  override name = "ServiceError";
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/** Runs and throws a ServiceError naming the command and its output when it fails. */
export async function runOrThrow(
  runner: CommandRunner,
  command: string,
  args: readonly string[],
  hint: string,
): Promise<CommandResult> {
  const result = await runner(command, args);
  if (result.code !== 0) {
    const output = (result.stderr || result.stdout).trim().split("\n").slice(-3).join(" ");
    throw new ServiceError(
      `${command} ${args.join(" ")} failed (exit ${result.code})${output ? `: ${output}` : ""}`,
      hint,
    );
  }
  return result;
}
