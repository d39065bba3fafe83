import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import JSON5 from "json5";
import { BIN, makeHome } from "./harness.js";

const home = makeHome();
after(() => home.cleanup());
let n = 0;

/** A state dir holding `text` as its config; returns a runner bound to it. */
function stateWith(text: string | null, files: Record<string, string> = {}) {
  const dir = join(home.dir, `state-${n++}`);
  mkdirSync(dir, { recursive: true });
  if (text !== null) writeFileSync(join(dir, "openclaw.json"), text);
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  const env = { OPENCLAW_STATE_DIR: dir };
  return { dir, configPath: join(dir, "openclaw.json"), run: (...args: string[]) => home.run(args, { env }) };
}

const BAD_CONFIGS: [string, string, Record<string, string>, RegExp][] = [
  ["unknown key", `{ gateway: { port: 1, prot: 2 } }`, {}, /gateway\.prot: Unknown key \(did you mean "port"\?\)/],
  ["wrong type", `{ gateway: { port: "eighty" } }`, {}, /gateway\.port: Expected number but got "eighty"/],
  ["invalid value", `{ gateway: { bind: "public" } }`, {}, /gateway\.bind: Expected \("loopback"/],
  ["broken JSON5", `{\n  gateway: {\n    port: 18789\n  \n`, {}, /JSON5 syntax error.*\(line \d+, column \d+\)/],
  [
    "missing ${VAR}",
    `{ gateway: { auth: { token: "\${NOPE_TOKEN}" } } }`,
    {},
    /gateway\.auth\.token: Missing env var "NOPE_TOKEN"/,
  ],
  [
    "include cycle",
    `{ $include: "./a.json5" }`,
    { "a.json5": `{ $include: "./b.json5" }`, "b.json5": `{ $include: "./a.json5" }` },
    /Include cycle/,
  ],
];

for (const [name, text, files, expected] of BAD_CONFIGS) {
  test(`a config with a ${name} exits 78 naming the key or line`, async () => {
    const s = stateWith(text, files);
    for (const args of [
      ["config", "validate"],
      ["config", "get", "gateway.port"],
    ]) {
      const r = await s.run(...args);
      assert.equal(r.code, 78, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, expected);
      assert.match(r.stderr, /Fix: /);
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    }
    const json = await s.run("config", "validate", "--json");
    assert.equal(json.code, 78);
    assert.equal((JSON.parse(json.stdout) as { valid: boolean }).valid, false);
  });
}

test("set, get, unset and validate round-trip through the file", async () => {
  const s = stateWith(null);
  assert.equal((await s.run("config", "set", "gateway.port", "18790")).code, 0);
  assert.equal((await s.run("config", "set", "gateway.controlUi.allowedOrigins", '["https://a.example"]')).code, 0);
  assert.equal((await s.run("config", "set", "agents.defaults.model", "openai/gpt-5.1")).code, 0);
  assert.equal((await s.run("config", "set", "gateway.auth.token", "000123")).code, 0);
  assert.equal((await s.run("config", "get", "gateway.port", "--json")).stdout, "18790\n");
  assert.equal((await s.run("config", "get", "gateway.auth.token", "--show-secrets")).stdout, "000123\n");
  const masked = await s.run("config", "get", "gateway");
  assert.doesNotMatch(masked.stdout, /000123/);
  assert.match(masked.stdout, /__OPENCLAW_REDACTED__/);
  assert.equal((await s.run("config", "unset", "gateway.auth.token")).code, 0);
  assert.deepEqual(JSON.parse(readFileSync(s.configPath, "utf8")), {
    gateway: { port: 18790, controlUi: { allowedOrigins: ["https://a.example"] } },
    agents: { defaults: { model: "openai/gpt-5.1" } },
  });
  const ok = await s.run("config", "validate");
  assert.equal(ok.code, 0);
  assert.match(ok.stdout, /Config valid/);
  const audit = readFileSync(join(s.dir, "logs", "config-audit.jsonl"), "utf8")
    .trim()
    .split("\n");
  assert.equal(audit.length, 5);
  assert.doesNotMatch(audit.join("\n"), /000123/);
});

test("invalid values and unknown keys are refused before anything is written", async () => {
  const s = stateWith(`{ "gateway": { "port": 18789 } }\n`);
  const before = readFileSync(s.configPath, "utf8");
  const cases: [string[], number, RegExp][] = [
    [["config", "set", "gateway.port", "70000"], 78, /gateway\.port/],
    [["config", "set", "gateway.bind", "lann"], 78, /did you mean "lan"/],
    [["config", "set", "gateway.prot", "1"], 78, /gateway\.prot is not a config key \(did you mean gateway\.port\?\)/],
    [["config", "set", "gateway.port", "abc", "--strict-json"], 2, /not valid JSON/],
    [["config", "set", "gateway.port.deep", "1"], 78, /gateway\.port holds a single value/],
    [["config", "set", "__proto__.polluted", "1"], 2, /not allowed/],
    [["config", "set", "gateway..port", "1"], 2, /empty key/],
    [["config", "set", "gateway.auth.token", "x".repeat(70_000)], 2, /larger than/],
    [["config", "get", "gateway.nope"], 1, /not a config key/],
  ];
  for (const [args, code, message] of cases) {
    const r = await s.run(...args);
    assert.equal(r.code, code, `${args.join(" ").slice(0, 80)}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.equal(readFileSync(s.configPath, "utf8"), before);
  assert.deepEqual(readdirSync(s.dir).toSorted(), ["openclaw.json"]);
});

test("a config written by OpenClaw loads and keeps its own sections on every write", async () => {
  const fixture = readFileSync(new URL("../fixtures/openclaw-2026.9.6-onboarded.json", import.meta.url), "utf8");
  const s = stateWith(fixture);
  const v = await s.run("config", "validate");
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stderr, /8 OpenClaw setting\(s\).*plugins/);
  assert.equal((await s.run("config", "set", "gateway.port", "18800")).code, 0);
  assert.equal((await s.run("config", "set", "plugins.entries.codex.config.sessionCatalog.enabled", "true")).code, 0);
  const written = JSON.parse(readFileSync(s.configPath, "utf8")) as Record<string, unknown>;
  const original = JSON.parse(fixture) as Record<string, Record<string, unknown>>;
  for (const key of ["meta", "wizard", "update", "telemetry", "tools", "models", "agents"])
    assert.deepEqual(written[key], original[key], key);
  assert.deepEqual(written.gateway, { ...original.gateway, port: 18800 });
  const plugins = written.plugins as { entries: { codex: { config: { sessionCatalog: { enabled: boolean } } } } };
  assert.equal(plugins.entries.codex.config.sessionCatalog.enabled, true);
});

test("comments in a hand-edited file are kept", async () => {
  const s = stateWith(`{\n  // my gateway\n  "gateway": {\n    "port": 18789, // default port\n  },\n}\n`);
  assert.equal((await s.run("config", "set", "gateway.bind", "lan")).code, 0);
  const text = readFileSync(s.configPath, "utf8");
  assert.match(text, /\/\/ my gateway/);
  assert.match(text, /\/\/ default port/);
  assert.deepEqual(JSON5.parse(text), { gateway: { port: 18789, bind: "lan" } });
});

test("a config set killed with SIGKILL at random points never leaves an unreadable config", async () => {
  const s = stateWith(`{ "gateway": { "port": 1000 } }\n`);
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home.dir, OPENCLAW_STATE_DIR: s.dir };
  let previous = 1000;
  const deadline = Date.now() + 60_000;
  for (let i = 1; i <= 30 && Date.now() < deadline; i++) {
    const next = 1000 + i;
    const child = spawn(process.execPath, [BIN, "config", "set", "gateway.port", String(next)], {
      env,
      stdio: "ignore",
    });
    const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
    // Spread the kills over start-up and the write itself (a config set takes about 100-200 ms here).
    await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 250)));
    child.kill("SIGKILL");
    await exited;
    const text = readFileSync(s.configPath, "utf8");
    const port = (JSON5.parse(text) as { gateway: { port: number } }).gateway.port;
    assert.ok(port === previous || port === next, `iteration ${i}: port ${port}, expected ${previous} or ${next}`);
    previous = port;
    for (const name of readdirSync(s.dir).filter((f) => /\.bak\.\d+$/.test(f))) {
      const backup = readFileSync(join(s.dir, name), "utf8");
      assert.ok(backup.trim() !== "", `iteration ${i}: ${name} is empty`);
      JSON5.parse(backup);
    }
  }
  const final = await s.run("config", "set", "gateway.port", "2000");
  assert.equal(final.code, 0, final.stderr);
  assert.deepEqual(
    readdirSync(s.dir).filter((f) => f.endsWith(".tmp")),
    [],
    "the next write removed what killed writers left",
  );
  assert.equal((await s.run("config", "validate")).code, 0);
});

test("backups: an empty or torn file never enters the ring, and temp files of dead writers go at the next write", async () => {
  const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
  const s = stateWith(`{ "gateway": { "port": 1000 } }\n`, {
    "openclaw.json.bak.1": "",
    "openclaw.json.bak.2": `{ "gateway": { "port": 99`,
    "openclaw.json.bak.3": `{ "gateway": { "port": 998 } }\n`,
    [`.openclaw.json.${dead}.a1b2c3.tmp`]: `{ "gateway"`,
    [`.openclaw.json.bak.1.${dead}.d4e5f6.tmp`]: "",
  });
  const r = await s.run("config", "set", "gateway.port", "1001");
  assert.equal(r.code, 0, r.stderr);
  const names = readdirSync(s.dir).toSorted();
  assert.deepEqual(
    names.filter((f) => f.endsWith(".tmp")),
    [],
    "a dead writer's temp files are removed at once, not after a minute",
  );
  assert.equal(readFileSync(join(s.dir, "openclaw.json.bak.1"), "utf8"), `{ "gateway": { "port": 1000 } }\n`);
  assert.equal(readFileSync(join(s.dir, "openclaw.json.bak.4"), "utf8"), `{ "gateway": { "port": 998 } }\n`);
  assert.deepEqual(
    names.filter((f) => /\.bak\.\d$/.test(f)),
    ["openclaw.json.bak.1", "openclaw.json.bak.4"],
    "the empty and the torn backup were dropped, not moved along",
  );
  for (const name of names.filter((f) => f.includes(".bak."))) {
    assert.equal(statSync(join(s.dir, name)).mode & 0o777, 0o600);
    JSON5.parse(readFileSync(join(s.dir, name), "utf8"));
  }

  // An emptied config is refused with the way back, and the ring is left as it was.
  writeFileSync(s.configPath, "");
  const overEmpty = await s.run("config", "set", "gateway.port", "1002");
  assert.equal(overEmpty.code, 78);
  assert.match(overEmpty.stderr, /The file is empty.*\n.*cp \S+openclaw\.json\.bak\.1 /s);
  assert.equal(readFileSync(join(s.dir, "openclaw.json.bak.1"), "utf8"), `{ "gateway": { "port": 1000 } }\n`);
});
