/**
 * The command runner: takes the global options off the command line, builds the context (profile,
 * paths, `.env`), loads the one command that runs, and maps every outcome to an exit code.
 * @module
 */
import { realpathSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { loadEnvFiles } from "../config/env-file.js";
import { formatMode, isOpenToOthers, modeOf } from "../files/fs-safe.js";
// ConfigEditError lives beside ConfigError: importing edit.ts here would load jsonc-parser for every command.
import { ConfigEditError, ConfigError } from "../config/issues.js";
import { KeyPathError } from "../config/key-path.js";
import { ProfileError, resolveProfile, resolveStatePaths } from "../config/paths.js";
import { closest } from "../config/suggest.js";
import { createLogger, isLogLevel, LOG_LEVELS, type LogLevel } from "../logging/logger.js";
import { VERSION } from "../version.js";
import { COMMANDS, renderHelp } from "./catalog.js";
import { COMMAND_LOADERS } from "./commands.js";
import type { CliContext, CliWorld } from "./command.js";
import { CliError, EXIT, UsageError } from "./errors.js";

interface GlobalOptions {
  profile?: string;
  dev: boolean;
  color: boolean;
  logLevel?: LogLevel;
  rest: string[];
}

const GLOBAL_FLAGS = ["--profile", "--dev", "--log-level", "--no-color", "--version", "--help"];

/** The real machine. */
export function processWorld(): CliWorld {
  // `openclaw … | head` closes the pipe early: that is not an error worth a stack trace.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  return {
    env: { ...process.env },
    cwd: process.cwd(),
    homedir: homedir(),
    stdout: process.stdout,
    stderr: process.stderr,
    now: () => new Date(),
    nodeVersion: process.versions.node,
    entryPath: realpathOr(process.argv[1] ?? ""),
  };
}

function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Runs one command line and returns its exit code; never throws. */
export async function main(argv: readonly string[], world: CliWorld = processWorld()): Promise<number> {
  let debug = false;
  try {
    const globals = parseGlobalOptions(argv);
    debug = globals.logLevel === "debug" || globals.logLevel === "trace";
    return await dispatch(globals, world);
  } catch (error) {
    return reportError(error, world, debug);
  }
}

/** Removes `--profile`, `--dev`, `--log-level` and `--no-color` wherever they stand before `--`. */
export function parseGlobalOptions(argv: readonly string[]): GlobalOptions {
  const out: GlobalOptions = { dev: false, color: true, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      out.rest.push(...argv.slice(i));
      break;
    }
    const [flag, inline] =
      arg.startsWith("--") && arg.includes("=")
        ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
        : [arg, undefined];
    const value = (): string => {
      const next = inline ?? argv[++i];
      if (next === undefined || next === "" || (inline === undefined && next.startsWith("-"))) {
        throw new UsageError(
          `${flag} requires a value`,
          flag === "--profile"
            ? "Example: openclaw --profile rescue config file"
            : `Example: openclaw ${flag} info logs`,
        );
      }
      return next;
    };
    if (flag === "--profile") out.profile = value();
    else if (flag === "--dev") out.dev = true;
    else if (flag === "--no-color") out.color = false;
    else if (flag === "--log-level") {
      const level = value();
      if (!isLogLevel(level)) {
        const guess = closest(level, LOG_LEVELS);
        throw new UsageError(
          `Unknown log level "${level}"${guess ? ` (did you mean "${guess}"?)` : ""}`,
          `Use one of: ${LOG_LEVELS.join(", ")}`,
        );
      }
      out.logLevel = level;
    } else out.rest.push(arg);
  }
  return out;
}

async function dispatch(globals: GlobalOptions, world: CliWorld): Promise<number> {
  const [first, ...tail] = globals.rest;
  if (first === undefined || first === "--help" || first === "-h") {
    world.stdout.write(renderHelp(VERSION));
    return EXIT.ok;
  }
  if (first === "--version" || first === "-V" || first === "-v") {
    world.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  if (first.startsWith("-")) {
    const guess = closest(first.split("=")[0]!, GLOBAL_FLAGS);
    throw new UsageError(`Unknown option ${first}${guess ? ` (did you mean ${guess}?)` : ""}`, "Run: openclaw --help");
  }
  const helpFor = first === "help";
  const name = helpFor ? tail[0] : first;
  if (name === undefined) {
    world.stdout.write(renderHelp(VERSION));
    return EXIT.ok;
  }
  const descriptor = COMMANDS.find((c) => c.name === name);
  if (!descriptor) {
    const guess = closest(
      name,
      COMMANDS.map((c) => c.name),
    );
    throw new UsageError(
      `Unknown command "${name}"${guess ? ` (did you mean "${guess}"?)` : ""}`,
      `Run: openclaw --help to see the commands (${COMMANDS.map((c) => c.name).join(", ")})`,
    );
  }
  const ctx = createContext(globals, world);
  const load = COMMAND_LOADERS[descriptor.name];
  if (!load) throw new Error(`command "${descriptor.name}" is listed in the catalog but has no loader`);
  const module = await load();
  let exitCode: number = EXIT.ok;
  const program = new Command("openclaw")
    // A subcommand's options belong to it: `gateway probe --token x` must not set `gateway`'s --token.
    .enablePositionalOptions()
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => world.stdout.write(text),
      writeErr: (text) => world.stderr.write(text),
      outputError: (text, write) => write(text.replace(/^error: /, "Error: ")),
    });
  module.register(program, ctx, (code) => {
    exitCode = code;
  });
  const args = helpFor ? [name, ...tail.slice(1), "--help"] : [name, ...tail];
  await program.parseAsync(args, { from: "user" });
  return exitCode;
}

function createContext(globals: GlobalOptions, world: CliWorld): CliContext {
  const env = { ...world.env };
  const profile = resolveProfile({ flag: globals.profile, dev: globals.dev, env });
  const paths = resolveStatePaths({ profile, env, homedir: world.homedir, cwd: world.cwd });
  // The state dir's .env first, then the working directory's; neither overrides a variable already set.
  const envFiles = loadEnvFiles([paths.envFile, join(world.cwd, ".env")], env);
  const envOrigins = new Map(envFiles.flatMap((file) => file.applied.map((name) => [name, file.file] as const)));
  const color = globals.color && env.NO_COLOR === undefined && world.stdout.isTTY === true;
  const logLevel: LogLevel =
    globals.logLevel ?? (isLogLevel(env.OPENCLAW_LOG_LEVEL ?? "") ? (env.OPENCLAW_LOG_LEVEL as LogLevel) : "warn");
  const log = createLogger(
    {
      level: logLevel,
      console: { stream: world.stderr, level: logLevel, color: color && world.stderr.isTTY === true },
    },
    "cli",
  );
  for (const file of envFiles) {
    if (file.error) log.warn(file.error);
    else if (file.loaded) log.debug(`loaded ${file.file}`, { variables: file.applied.length });
  }
  log.debug("resolved profile", { profile, stateDir: paths.stateDir, configPath: paths.configPath });
  const stateMode = modeOf(paths.stateDir);
  if (stateMode !== null && isOpenToOthers(stateMode)) {
    world.stderr.write(
      `Warning: ${paths.stateDir} has mode ${formatMode(stateMode)}, so other users can read your config and tokens. Fix: chmod 700 ${paths.stateDir} (or openclaw doctor --fix)\n`,
    );
  }
  return {
    ...world,
    env,
    envOrigins,
    profile,
    paths,
    color,
    logLevel,
    log,
    print: (text) => world.stdout.write(`${text}\n`),
    warn: (text) => world.stderr.write(`${text}\n`),
    printJson: (value) => world.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
  };
}

function reportError(error: unknown, world: CliWorld, debug: boolean): number {
  const say = (text: string) => world.stderr.write(`${text}\n`);
  if (error instanceof CommanderError) {
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return EXIT.ok;
    // A command group run without its subcommand: commander printed the group's help.
    if (error.code === "commander.help") return EXIT.usage;
    // commander has already printed the message (with its "did you mean" suggestion).
    say("Run the command with --help to see its options.");
    return EXIT.usage;
  }
  if (error instanceof ConfigError) {
    say(error.message);
    return EXIT.config;
  }
  if (error instanceof CliError) {
    say(`Error: ${error.message}`);
    if (error.hint) say(error.hint);
    return error.exitCode;
  }
  if (error instanceof ProfileError || error instanceof KeyPathError) {
    say(`Error: ${error.message}`);
    return EXIT.usage;
  }
  if (error instanceof ConfigEditError) {
    say(`Error: ${error.message}. Nothing was written.`);
    return EXIT.failure;
  }
  const e = error as NodeJS.ErrnoException;
  if (e?.code === "EACCES" || e?.code === "EPERM") {
    say(`Error: permission denied: ${e.path ?? e.message}`);
    say(
      "Check who owns the state directory (ls -ld on it) and run openclaw as that user, or fix it with: openclaw doctor --fix",
    );
    return EXIT.failure;
  }
  if (e?.code === "ENOSPC") {
    say(
      `Error: no space left on the device (${e.path ?? "state directory"}). Nothing was changed; free some space and retry.`,
    );
    return EXIT.failure;
  }
  say(`Error: unexpected failure: ${e?.message ?? String(error)}`);
  if (debug && e?.stack) say(e.stack);
  else say("Rerun with --log-level debug for details, and report it if it persists.");
  return EXIT.failure;
}
