import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { dailyLogPath, listDailyLogs, localDate } from "./files.js";
import { createLogger, formatConsole, type LogRecord } from "./logger.js";

const root = mkdtempSync(join(tmpdir(), "oc-log-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dirFor = () => join(root, `d${n++}`);
const lines = (path: string) =>
  readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as LogRecord);

test("one JSON object per line with time, level, subsystem and msg, in a 0600 daily file", () => {
  const dir = dirFor();
  const now = new Date(2026, 10, 25, 10, 0, 0);
  const log = createLogger({ level: "info", file: { dir }, now: () => now });
  log.child("gateway").info("listening", { port: 18789 });
  log.debug("hidden");
  log.close();
  const path = dailyLogPath(dir, now);
  assert.match(path, /openclaw-2026-11-25\.log$/);
  const [record, ...rest] = lines(path);
  assert.equal(rest.length, 0);
  assert.deepEqual(
    { ...record, time: undefined },
    { time: undefined, level: "info", subsystem: "openclaw/gateway", msg: "listening", port: 18789 },
  );
  assert.equal(record!.time, now.toISOString());
  assert.equal(statSync(path).mode & 0o777, 0o600);
});

test("secrets are redacted before they reach the file or the console", () => {
  const dir = dirFor();
  const out: string[] = [];
  const log = createLogger({
    level: "info",
    file: { dir },
    console: { stream: { write: (t: string) => out.push(t) }, level: "info", color: false },
    secrets: ["0123456789abcdef-token"],
  });
  log.info("auth with 0123456789abcdef-token failed", {
    token: "abc",
    headers: { Authorization: "Bearer sk-live-1234567890" },
    apiKey: "sk-proj-abcdefghijk",
    note: "key sk-ant-abcdefghijklmnop used",
    password: 1234,
    url: "ws://h/?token=zzz&x=1",
  });
  log.addSecret("later-secret-value");
  log.warn("later-secret-value leaked?");
  log.close();
  const text = readFileSync(listDailyLogs(dir)[0]!.path, "utf8") + out.join("");
  for (const secret of [
    "0123456789abcdef-token",
    'abc"',
    "sk-live-1234567890",
    "abcdefghijk",
    "abcdefghijklmnop",
    "1234",
    "zzz",
    "later-secret-value",
  ]) {
    assert.ok(!text.includes(secret), `leaked ${secret}`);
  }
  assert.match(text, /\[redacted\]/);
});

test("a file over its cap moves to .1 and a fresh file starts", () => {
  const dir = dirFor();
  const log = createLogger({ level: "info", file: { dir, maxFileBytes: 64 * 1024 } });
  const big = "x".repeat(1000);
  for (let i = 0; i < 150; i++) log.info(big, { i });
  log.close();
  const files = listDailyLogs(dir);
  assert.deepEqual(
    files.map((f) => f.rotated),
    [true, false],
  );
  for (const file of files) assert.ok(file.size <= 64 * 1024, `${file.path} is ${file.size} bytes`);
  const all = [...lines(files[0]!.path), ...lines(files[1]!.path)];
  assert.equal(all.at(-1)?.i, 149);
});

test("a record larger than the per-record cap is cut, not written whole", () => {
  const dir = dirFor();
  const log = createLogger({ level: "info", file: { dir } });
  log.info("huge", { blob: "y".repeat(200_000) });
  log.close();
  const [record] = lines(listDailyLogs(dir)[0]!.path);
  assert.equal(record!.truncated, true);
});

test("files older than the retention are removed when a new day's file opens", () => {
  const dir = dirFor();
  mkdirSync(dir, { recursive: true });
  const now = new Date(2026, 10, 25, 12);
  for (const daysAgo of [0, 1, 3, 4, 10]) {
    const d = new Date(now);
    d.setDate(d.getDate() - daysAgo);
    writeFileSync(join(dir, `openclaw-${localDate(d)}.log`), "{}\n");
  }
  writeFileSync(join(dir, "gateway.log"), "kept\n");
  const log = createLogger({ level: "info", file: { dir, retentionDays: 3 }, now: () => now });
  log.info("x");
  log.close();
  assert.deepEqual(readdirSync(dir).toSorted(), [
    "gateway.log",
    "openclaw-2026-11-22.log",
    "openclaw-2026-11-24.log",
    "openclaw-2026-11-25.log",
  ]);
});

test("the day changes files at local midnight", () => {
  const dir = dirFor();
  let now = new Date(2026, 10, 25, 23, 59, 59);
  const log = createLogger({ level: "info", file: { dir }, now: () => now });
  log.info("before");
  now = new Date(2026, 10, 26, 0, 0, 1);
  log.info("after");
  log.close();
  assert.equal(lines(join(dir, "openclaw-2026-11-25.log"))[0]!.msg, "before");
  assert.equal(lines(join(dir, "openclaw-2026-11-26.log"))[0]!.msg, "after");
});

test("logging.file puts everything in one named file", () => {
  const dir = dirFor();
  const fixedPath = join(dir, "custom", "gw.jsonl");
  const log = createLogger({ level: "info", file: { dir, fixedPath } });
  log.info("x");
  log.close();
  assert.equal(existsSync(fixedPath), true);
});

test("the console form is short and readable", () => {
  const text = formatConsole(
    {
      time: new Date(2026, 0, 1, 9, 5, 7).toISOString(),
      level: "warn",
      subsystem: "gateway",
      msg: "slow",
      ms: 12,
      who: "a b",
    },
    { color: false },
  );
  assert.equal(text, `09:05:07 warn  gateway: slow ms=12 who="a b"\n`);
});
