import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync, chmodSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { BIN, makeHome } from "./harness.js";

const home = makeHome();
after(() => home.cleanup());
const logsDir = join(home.dir, ".openclaw", "logs");

function day(offset: number): string {
  const d = new Date();
  d.setDate(d.getDate() + offset);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}
const record = (time: Date, level: string, msg: string) =>
  `${JSON.stringify({ time: time.toISOString(), level, subsystem: "gateway", msg })}\n`;

test("logs reads the daily files: limit, level, since and JSON", async () => {
  mkdirSync(logsDir, { recursive: true });
  const now = Date.now();
  writeFileSync(join(logsDir, `openclaw-${day(-1)}.log`), record(new Date(now - 86_400_000), "info", "yesterday"));
  writeFileSync(
    join(logsDir, `openclaw-${day(0)}.log`),
    record(new Date(now - 7_200_000), "warn", "two hours ago") +
      "not json at all\n" +
      record(new Date(now - 60_000), "error", "a minute ago") +
      record(new Date(now - 1000), "debug", "just now"),
  );
  const all = await home.run(["logs", "--no-color"]);
  assert.equal(all.code, 0);
  assert.deepEqual(
    all.stdout
      .trim()
      .split("\n")
      .map((l) => l.replace(/^\d\d:\d\d:\d\d /, "")),
    [
      "info  gateway: yesterday",
      "warn  gateway: two hours ago",
      "not json at all",
      "error gateway: a minute ago",
      "debug gateway: just now",
    ],
  );
  const last = await home.run(["logs", "--limit", "2", "--json"]);
  assert.deepEqual(
    last.stdout
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { msg: string }).msg),
    ["a minute ago", "just now"],
  );
  const warn = await home.run(["logs", "--level", "warn", "--json"]);
  assert.deepEqual(
    warn.stdout
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { msg: string }).msg),
    ["two hours ago", "a minute ago"],
  );
  const since = await home.run(["logs", "--since", "1h", "--json"]);
  assert.deepEqual(
    since.stdout
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { msg: string }).msg),
    ["a minute ago", "just now"],
  );
  for (const bad of [
    ["--limit", "0"],
    ["--limit", "x"],
    ["--level", "loud"],
    ["--since", "yesterday-ish"],
  ]) {
    const r = await home.run(["logs", ...bad]);
    assert.equal(r.code, 2, bad.join(" "));
  }
});

test("logs --follow prints lines as they are appended", async () => {
  const file = join(logsDir, `openclaw-${day(0)}.log`);
  const child = spawn(process.execPath, [BIN, "logs", "--follow", "--json", "--limit", "1", "--interval", "50"], {
    env: { PATH: process.env.PATH ?? "", HOME: home.dir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const waitFor = async (needle: string) => {
    const deadline = Date.now() + 10_000;
    while (!out.includes(needle) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    assert.ok(out.includes(needle), `waiting for ${needle}, got: ${out}`);
  };
  try {
    await waitFor("just now");
    appendFileSync(file, record(new Date(), "info", "fresh line"));
    await waitFor("fresh line");
  } finally {
    if (child.exitCode === null) child.kill("SIGTERM");
  }
  const closed =
    child.exitCode !== null
      ? Promise.resolve(child.exitCode)
      : new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  assert.equal(await closed, 0);
});

test("an empty logs dir says where the logs will be", async () => {
  const r = await home.run(["--profile", "empty", "logs"]);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /No log files in .*\.openclaw-empty\/logs yet/);
});

test("doctor reports, --fix repairs modes, --json is machine-readable", async () => {
  const state = join(home.dir, ".openclaw");
  chmodSync(state, 0o755);
  writeFileSync(join(state, "openclaw.json"), `{ "gateway": { "port": 18789 } }`);
  chmodSync(join(state, "openclaw.json"), 0o644);
  const report = await home.run(["doctor", "--no-color"]);
  assert.equal(report.code, 0, report.stderr);
  assert.match(report.stdout, /warn .*mode 0755/);
  assert.match(report.stdout, /-> Run: chmod 700/);
  const fixed = await home.run(["doctor", "--fix", "--non-interactive"]);
  assert.match(fixed.stdout, /fixed Changed the mode of .* from 0755 to 0700/);
  assert.equal(statSync(state).mode & 0o777, 0o700);
  assert.equal(statSync(join(state, "openclaw.json")).mode & 0o777, 0o600);
  const json = JSON.parse((await home.run(["doctor", "--json"])).stdout) as {
    ok: boolean;
    checks: { id: string; status: string }[];
  };
  assert.equal(json.ok, true);
  assert.ok(json.checks.some((c) => c.id === "node" && c.status === "ok"));
  writeFileSync(join(state, "openclaw.json"), `{ "gateway": { "prot": 1 } }`);
  const bad = await home.run(["doctor"]);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /FAIL .*1 problem/);
  assert.match(bad.stdout, /gateway\.prot: Unknown key/);
});

// Lines as an OpenClaw gateway writes them: positional arguments under "0", "1", … and tslog's _meta.
const upstream = (level: string, args: unknown[], date: string) =>
  `${JSON.stringify({
    ...Object.fromEntries(args.map((a, i) => [String(i), a])),
    _meta: { runtime: "node", logLevelId: 3, logLevelName: level, name: '{"subsystem":"gateway/ws"}', date },
    time: "Mon Nov 30 2026 21:00:00 GMT+0000",
  })}\n`;

test("logs renders OpenClaw's tslog lines from logs.tail in our console format", async () => {
  const { startGateway } = await import("./gateway-harness.js");
  const other = makeHome();
  const file = join(other.dir, "shared.log");
  writeFileSync(
    file,
    upstream("INFO", ["webchat connected", { conn: "c1", client: "control-ui" }], new Date().toISOString()) +
      upstream("WARN", ["auth failed"], new Date().toISOString()),
  );
  const gw = await startGateway({ home: other, config: { logging: { file } } });
  try {
    const r = await other.run(["logs", "--no-color", "--limit", "50"], {
      env: { OPENCLAW_GATEWAY_PORT: String(gw.port) },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\d\d:\d\d:\d\d info {2}gateway\/ws: webchat connected .*conn.*c1/m);
    assert.match(r.stdout, /^\d\d:\d\d:\d\d warn {2}gateway\/ws: auth failed$/m);
    assert.doesNotMatch(r.stdout, /_meta|"0":/, "no raw tslog JSON");
    const warnOnly = await other.run(["logs", "--no-color", "--level", "warn"], {
      env: { OPENCLAW_GATEWAY_PORT: String(gw.port) },
    });
    assert.doesNotMatch(warnOnly.stdout, /webchat connected/);
    assert.match(warnOnly.stdout, /auth failed/);
  } finally {
    await gw.stop();
    other.cleanup();
  }
});
