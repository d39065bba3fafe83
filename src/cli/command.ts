/** What the command runner gives each command, and what each command module exports. @module */
import type { Command } from "commander";
import type { StatePaths } from "../config/paths.js";
import type { Logger, LogLevel } from "../logging/logger.js";

/** The machine as the CLI sees it; tests pass their own (temporary HOME, captured output). */
export interface CliWorld {
  readonly env: Record<string, string | undefined>;
  readonly cwd: string;
  readonly homedir: string;
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly now: () => Date;
  readonly nodeVersion: string;
  /** Absolute path of the `openclaw` entry script (what a service unit runs). */
  readonly entryPath: string;
}

export interface CliContext extends CliWorld {
  /** The environment after `.env` files were loaded (the process environment still wins). */
  readonly env: Record<string, string | undefined>;
  /** Variables that came from a `.env` file, and which file (a credential's source is named by it). */
  readonly envOrigins: ReadonlyMap<string, string>;
  readonly profile: string;
  readonly paths: StatePaths;
  readonly color: boolean;
  readonly logLevel: LogLevel;
  /** Console logger on stderr at the `--log-level` level. */
  readonly log: Logger;
  /** Writes a line (a newline is added) to stdout. */
  print(text: string): void;
  /** Writes a line to stderr. */
  warn(text: string): void;
  /** Writes a value as pretty JSON to stdout. */
  printJson(value: unknown): void;
}

/** Each file in `commands/` exports `register`, which adds its command to the program. */
export interface CommandModule {
  register(program: Command, ctx: CliContext, done: (code: number) => void): void;
}
