/**
 * One log line as a record: ours (`{time, level, subsystem, msg, …}`), or OpenClaw's tslog lines
 * (`{"0": …, "1": …, "_meta": {logLevelName, name, date}, "time": …}`) as its `logs.tail` returns them.
 * @module
 */
import { isLogLevel, type LogLevel, type LogRecord } from "./logger.js";

/** tslog's level names, in the words of ours. */
const TSLOG_LEVELS: Record<string, LogLevel> = {
  SILLY: "trace",
  TRACE: "trace",
  DEBUG: "debug",
  INFO: "info",
  WARN: "warn",
  ERROR: "error",
  FATAL: "fatal",
};

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The record a JSON line holds, or undefined for anything else (shown as it is). */
export function parseLogLine(line: string): LogRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
  if (typeof value.msg === "string" && typeof value.level === "string") return value as LogRecord;
  const meta = value["_meta"]; // tslog's key
  if (isObject(meta)) return fromTslog(value, meta);
  return undefined;
}

/** `name` is a JSON string of the logger's bindings (`{"subsystem":"gateway"}`), or a plain name. */
function subsystemOf(name: unknown): string {
  if (typeof name !== "string" || name === "") return "openclaw";
  try {
    const bindings = JSON.parse(name) as unknown;
    if (isObject(bindings) && typeof bindings.subsystem === "string") return bindings.subsystem;
  } catch {
    // a plain logger name
  }
  return name;
}

function fromTslog(value: Json, meta: Json): LogRecord {
  const levelName = typeof meta.logLevelName === "string" ? meta.logLevelName.toUpperCase() : "INFO";
  const level =
    TSLOG_LEVELS[levelName] ?? (isLogLevel(levelName.toLowerCase()) ? (levelName.toLowerCase() as LogLevel) : "info");
  const words: string[] = [];
  const fields: Json = {};
  // Positional arguments in order: strings make the message, objects its fields.
  const positions = Object.keys(value)
    .filter((key) => /^\d+$/.test(key))
    .toSorted((a, b) => Number(a) - Number(b));
  for (const key of positions) {
    const arg = value[key];
    if (isObject(arg)) Object.assign(fields, arg);
    else if (arg !== undefined && arg !== null) words.push(typeof arg === "string" ? arg : JSON.stringify(arg));
  }
  const date = typeof meta.date === "string" ? meta.date : typeof value.time === "string" ? value.time : "";
  const parsed = Date.parse(date);
  return {
    ...fields,
    time: Number.isNaN(parsed) ? date : new Date(parsed).toISOString(),
    level,
    subsystem: subsystemOf(meta.name),
    msg: words.join(" "),
  };
}
