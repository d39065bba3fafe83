/** `openclaw logs`: the local JSON-lines log files (the gateway-backed form comes with the gateway). @module */
import { statSync } from "node:fs";
import type { Command } from "commander";
import { readConfigSnapshot } from "../../config/load.js";
import { dailyLogPath, listDailyLogs } from "../../logging/files.js";
import { formatConsole, isLogLevel, levelRank, LOG_LEVELS, type LogLevel } from "../../logging/logger.js";
import { parseLogLine } from "../../logging/parse-line.js";
import { followLog, readLastLines, sleepUnlessAborted } from "../../logging/tail.js";
import type { CliContext } from "../command.js";
import { EXIT, UsageError } from "../errors.js";

export const MAX_LIMIT = 10_000;

interface LogsOptions {
  follow?: boolean;
  json?: boolean;
  limit: string;
  level?: string;
  since?: string;
  interval: string;
  maxBytes: string;
  local?: boolean;
}

export function register(program: Command, ctx: CliContext, done: (code: number) => void): void {
  program
    .command("logs")
    .description("Show the gateway's logs from the state directory's daily JSON-lines files")
    .option("-f, --follow", "keep printing new lines (follows into the next day's file)")
    .option("--json", "print the raw JSON lines")
    .option("-n, --limit <n>", `how many lines to show first (at most ${MAX_LIMIT})`, "200")
    .option("--level <level>", `only this level and above: ${LOG_LEVELS.filter((l) => l !== "silent").join(", ")}`)
    .option("--since <time>", "only lines since an ISO time or a duration ago: 30s, 10m, 2h, 1d")
    .option("--interval <ms>", "poll interval with --follow", "1000")
    .option("--max-bytes <n>", "read at most this many bytes from the end of the files", "1048576")
    .option("--local", "read the files in the state directory even when the gateway is reachable")
    .action(async (opts: LogsOptions) => done(await logsCommand(ctx, opts)));
}

async function logsCommand(ctx: CliContext, opts: LogsOptions): Promise<number> {
  const limit = positiveInt(opts.limit, "--limit", MAX_LIMIT);
  const interval = positiveInt(opts.interval, "--interval", 60_000);
  const maxBytes = positiveInt(opts.maxBytes, "--max-bytes", 256 * 1024 * 1024);
  if (opts.level !== undefined && (!isLogLevel(opts.level) || opts.level === "silent")) {
    throw new UsageError(
      `Unknown level "${opts.level}"`,
      `Use one of: ${LOG_LEVELS.filter((l) => l !== "silent").join(", ")}`,
    );
  }
  const minRank = opts.level ? levelRank(opts.level as LogLevel) : 0;
  const since = opts.since === undefined ? undefined : parseSince(opts.since, ctx.now());

  // A broken config must not hide the logs that explain it: use logging.file only when it is readable.
  const snapshot = readConfigSnapshot(ctx.paths.configPath, ctx.env);
  const logging = snapshot.resolved.logging as { file?: unknown } | undefined;
  const fixedPath = typeof logging?.file === "string" ? logging.file : undefined;
  const files = fixedPath ? [fixedPath] : listDailyLogs(ctx.paths.logsDir).map((f) => f.path);

  const keep = (line: string): boolean => {
    if (minRank === 0 && since === undefined) return true;
    const record = parseLogLine(line);
    if (!record) return minRank === 0 && since === undefined;
    if (minRank > 0 && (!isLogLevel(record.level) || levelRank(record.level) < minRank)) return false;
    if (since !== undefined && !(Date.parse(record.time) >= since)) return false;
    return true;
  };
  const show = (line: string): void => {
    if (opts.json) {
      ctx.print(line);
      return;
    }
    const record = parseLogLine(line);
    ctx.stdout.write(record ? formatConsole(record, { color: ctx.color }) : `${line}\n`);
  };

  if (!opts.local) {
    const viaGateway = await tailThroughGateway(ctx, {
      limit,
      interval,
      maxBytes,
      follow: opts.follow === true,
      keep,
      show,
    });
    if (viaGateway) return EXIT.ok;
  }
  if (files.length === 0 && !opts.follow) {
    ctx.warn(`No log files in ${ctx.paths.logsDir} yet. The gateway writes them while it runs.`);
    return EXIT.ok;
  }
  // Where --follow starts is fixed before the first read, so a line written in between is neither lost nor shown twice.
  const followFrom = fixedPath ?? dailyLogPath(ctx.paths.logsDir, ctx.now());
  const startOffset = sizeOf(followFrom);
  const lastIsFollowed = files.at(-1) === followFrom;
  for (const line of readLastLines(files, {
    limit,
    maxBytes,
    keep,
    ...(lastIsFollowed ? { endOfLast: startOffset } : {}),
  }))
    show(line);
  if (!opts.follow) return EXIT.ok;

  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    await followLog({
      currentFile: () => fixedPath ?? dailyLogPath(ctx.paths.logsDir, ctx.now()),
      intervalMs: interval,
      signal: controller.signal,
      fromEnd: true,
      startOffset,
      onLine: (line) => {
        if (keep(line)) show(line);
      },
    });
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  return EXIT.ok;
}

/**
 * Reads through the running gateway's `logs.tail` (which also works for a remote gateway). Returns false
 * when no gateway answers, so the caller falls back to the local files.
 */
async function tailThroughGateway(
  ctx: CliContext,
  o: {
    limit: number;
    interval: number;
    maxBytes: number;
    follow: boolean;
    keep: (line: string) => boolean;
    show: (line: string) => void;
  },
): Promise<boolean> {
  const { clientFor, explainFailure, resolveTarget } = await import("../gateway-rpc.js");
  let target;
  try {
    target = await resolveTarget(ctx, {});
  } catch {
    return false;
  }
  const client = clientFor(target, 1500);
  try {
    await client.connect();
  } catch (error) {
    await client.close();
    const why = explainFailure(error, target);
    if (why.kind === "auth" || why.kind === "locked-out")
      ctx.warn(
        `The gateway did not let this command in (${why.reason}); reading the local files instead.\n${why.hint}`,
      );
    return false;
  }
  type Chunk = { cursor: number; lines: string[]; reset?: boolean };
  const maxBytes = Math.min(o.maxBytes, 1_000_000);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    let chunk = await client.call<Chunk>("logs.tail", { limit: Math.min(o.limit, 5000), maxBytes });
    for (const line of chunk.lines) if (o.keep(line)) o.show(line);
    while (o.follow && !controller.signal.aborted) {
      await sleepUnlessAborted(o.interval, controller.signal);
      if (controller.signal.aborted) break;
      chunk = await client.call<Chunk>("logs.tail", { cursor: chunk.cursor, limit: 5000, maxBytes });
      for (const line of chunk.lines) if (o.keep(line)) o.show(line);
    }
    return true;
  } catch (error) {
    ctx.warn(`Reading logs through the gateway failed (${(error as Error).message}); reading the local files instead.`);
    return false;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    await client.close();
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function positiveInt(raw: string, flag: string, max: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    throw new UsageError(`${flag} takes a whole number from 1 to ${max} (got "${raw}")`);
  }
  return Number(raw);
}

/** An ISO time, or a duration ago (`30s`, `10m`, `2h`, `1d`), as epoch milliseconds. */
export function parseSince(raw: string, now: Date): number {
  const duration = /^(\d+)(s|m|h|d)$/.exec(raw.trim());
  if (duration) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[duration[2] as "s" | "m" | "h" | "d"];
    return now.getTime() - Number(duration[1]) * unit;
  }
  const time = Date.parse(raw);
  if (Number.isNaN(time)) {
    throw new UsageError(
      `--since: "${raw}" is neither a time nor a duration`,
      "Examples: --since 10m, --since 2h, --since 2026-11-25T08:00:00Z",
    );
  }
  return time;
}
