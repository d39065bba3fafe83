/**
 * The JSON-lines logger: one object per line (`time`, `level`, `subsystem`, `msg`, fields), daily files
 * with a size cap and a retention, secrets redacted before any sink, and a short console form.
 * @module
 */
import { closeSync, fstatSync, mkdirSync, openSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { dailyLogPath, localDate, pruneDailyLogs } from "./files.js";
import { redact, redactString } from "./redact.js";

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const RANK: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: 100 };

export const DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024;
export const DEFAULT_RETENTION_DAYS = 14;
/** One record is cut to this size so a runaway field cannot fill the disk in a few lines. */
export const MAX_RECORD_BYTES = 64 * 1024;

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

export function levelRank(level: LogLevel): number {
  return RANK[level];
}

export interface LogRecord {
  readonly time: string;
  readonly level: LogLevel;
  readonly subsystem: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface FileSinkOptions {
  /** Directory of the daily files, unless `fixedPath` names one file. */
  readonly dir: string;
  readonly fixedPath?: string | undefined;
  readonly maxFileBytes?: number;
  readonly retentionDays?: number;
}

export interface ConsoleSinkOptions {
  readonly stream: { write(text: string): unknown };
  readonly level: LogLevel;
  readonly color: boolean;
  readonly style?: "pretty" | "compact" | "json";
}

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly file?: FileSinkOptions | undefined;
  readonly console?: ConsoleSinkOptions | undefined;
  readonly now?: () => Date;
  readonly secrets?: Iterable<string>;
}

export interface Logger {
  trace(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  fatal(msg: string, fields?: Record<string, unknown>): void;
  child(subsystem: string): Logger;
  /** Adds a value (a token, a key) that must never appear in any sink. */
  addSecret(value: string): void;
  close(): void;
}

/** Creates the root logger; `child()` gives per-subsystem loggers sharing the same sinks. */
export function createLogger(options: LoggerOptions, subsystem = "openclaw"): Logger {
  const now = options.now ?? (() => new Date());
  const secrets = new Set<string>(options.secrets ?? []);
  const file = options.file ? new DailyFileSink(options.file) : undefined;
  const fileLevel = RANK[options.level];
  const consoleLevel = options.console ? RANK[options.console.level] : Infinity;
  const minimum = Math.min(file ? fileLevel : Infinity, consoleLevel);

  const emit = (name: string, level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    const rank = RANK[level];
    if (rank < minimum || level === "silent") return;
    const clean = fields ? (redact(fields, secrets) as Record<string, unknown>) : undefined;
    const record: LogRecord = {
      time: now().toISOString(),
      level,
      subsystem: name,
      msg: redactString(msg, secrets),
      ...clean,
    };
    if (file && rank >= fileLevel) file.write(serialize(record), now());
    if (options.console && rank >= consoleLevel) options.console.stream.write(formatConsole(record, options.console));
  };

  const make = (name: string): Logger => ({
    trace: (msg, fields) => emit(name, "trace", msg, fields),
    debug: (msg, fields) => emit(name, "debug", msg, fields),
    info: (msg, fields) => emit(name, "info", msg, fields),
    warn: (msg, fields) => emit(name, "warn", msg, fields),
    error: (msg, fields) => emit(name, "error", msg, fields),
    fatal: (msg, fields) => emit(name, "fatal", msg, fields),
    child: (sub) => make(`${name}/${sub}`),
    addSecret: (value) => {
      if (value) secrets.add(value);
    },
    close: () => file?.close(),
  });
  return make(subsystem);
}

function serialize(record: LogRecord): string {
  let line = JSON.stringify(record);
  if (Buffer.byteLength(line) > MAX_RECORD_BYTES) {
    line = JSON.stringify({
      time: record.time,
      level: record.level,
      subsystem: record.subsystem,
      msg: record.msg.slice(0, 4096),
      truncated: true,
    });
  }
  return `${line}\n`;
}

const COLORS: Partial<Record<LogLevel, string>> = { trace: "90", debug: "90", warn: "33", error: "31", fatal: "31;1" };

/** The short human form: `12:03:04 info  gateway: listening port=18789`. */
export function formatConsole(
  record: LogRecord,
  options: { color: boolean; style?: "pretty" | "compact" | "json" },
): string {
  if (options.style === "json") return `${JSON.stringify(record)}\n`;
  const { time, level, subsystem, msg, ...fields } = record;
  const clock = new Date(time);
  const stamp = Number.isNaN(clock.getTime()) ? time : clock.toTimeString().slice(0, 8);
  const extras = Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === "string" && !/\s/.test(value) ? value : JSON.stringify(value)}`)
    .join(" ");
  const tag = level.padEnd(5);
  const painted = options.color && COLORS[level] ? `\u001b[${COLORS[level]}m${tag}\u001b[0m` : tag;
  const head = options.style === "compact" ? `${painted} ${msg}` : `${stamp} ${painted} ${subsystem}: ${msg}`;
  return `${extras ? `${head} ${extras}` : head}\n`;
}

/** Appends lines to today's file; moves a full file to `.1` and starts again; prunes old days. */
class DailyFileSink {
  #fd: number | undefined;
  #path = "";
  #day = "";
  #size = 0;
  #failed = false;
  readonly #options: FileSinkOptions;
  readonly #maxBytes: number;

  constructor(options: FileSinkOptions) {
    this.#options = options;
    this.#maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  }

  write(line: string, now: Date): void {
    if (this.#failed) return;
    try {
      this.#ensureOpen(now);
      const bytes = Buffer.byteLength(line);
      if (this.#size > 0 && this.#size + bytes > this.#maxBytes) this.#rotate();
      writeSync(this.#fd!, line);
      this.#size += bytes;
    } catch (error) {
      // A full or read-only disk must not take the process down; say so once on stderr.
      this.#failed = true;
      process.stderr.write(
        `openclaw: logging to ${this.#path || this.#options.dir} stopped: ${(error as Error).message}\n`,
      );
    }
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #ensureOpen(now: Date): void {
    const day = this.#options.fixedPath ? "fixed" : localDate(now);
    if (this.#fd !== undefined && day === this.#day) return;
    this.close();
    this.#day = day;
    this.#path = this.#options.fixedPath ?? dailyLogPath(this.#options.dir, now);
    mkdirSync(dirname(this.#path), { recursive: true, mode: 0o700 });
    this.#fd = openSync(this.#path, "a", 0o600);
    this.#size = fstatSync(this.#fd).size;
    if (!this.#options.fixedPath)
      pruneDailyLogs(this.#options.dir, this.#options.retentionDays ?? DEFAULT_RETENTION_DAYS, now);
  }

  #rotate(): void {
    this.close();
    renameSync(this.#path, `${this.#path}.1`);
    this.#fd = openSync(this.#path, "a", 0o600);
    this.#size = 0;
  }
}
