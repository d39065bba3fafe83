import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ConfigError } from "./issues.js";
import { loadConfig, readConfigSnapshot } from "./load.js";

const dir = mkdtempSync(join(tmpdir(), "oc-load-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function write(text: string, name = `c${n++}.json5`): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test("a valid JSON5 file with comments loads", () => {
  const path = write(`// comment\n{ gateway: { port: 18790, bind: 'lan', auth: { token: "t" } }, }`);
  const snap = loadConfig(path, {});
  assert.equal(snap.config.gateway?.port, 18790);
  assert.equal(snap.valid, true);
  assert.match(snap.hash ?? "", /^[0-9a-f]{64}$/);
});

test("a missing file is valid and empty", () => {
  const snap = readConfigSnapshot(join(dir, "absent.json"), {});
  assert.equal(snap.exists, false);
  assert.equal(snap.valid, true);
  assert.equal(snap.hash, null);
});

test("an unknown key names the path and the near miss", () => {
  const snap = readConfigSnapshot(write(`{ gateway: { prot: 1 } }`), {});
  assert.equal(snap.valid, false);
  assert.deepEqual(
    snap.issues.map((i) => [i.code, i.path, i.suggestion]),
    [["unknown_key", "gateway.prot", "port"]],
  );
});

test("a wrong type and an invalid value are both listed", () => {
  const snap = readConfigSnapshot(
    write(`{ gateway: { port: "abc", bind: "lann", reload: { mode: "sometimes" } } }`),
    {},
  );
  const byPath = Object.fromEntries(snap.issues.map((i) => [i.path, i]));
  assert.equal(byPath["gateway.port"]?.code, "invalid_type");
  assert.match(byPath["gateway.port"]!.message, /Expected number but got "abc"/);
  assert.equal(byPath["gateway.bind"]?.suggestion, "lan");
  assert.ok(byPath["gateway.reload.mode"]);
  assert.equal(snap.issues.length, 3);
});

test("out-of-range numbers and bad URLs are invalid values", () => {
  const snap = readConfigSnapshot(
    write(`{ gateway: { port: 70000, remote: { url: "http://x" } }, agents: { defaults: { model: "nomodel" } } }`),
    {},
  );
  assert.deepEqual(snap.issues.map((i) => i.path).toSorted(), [
    "agents.defaults.model",
    "gateway.port",
    "gateway.remote.url",
  ]);
});

test("broken JSON5 reports the line and column", () => {
  const snap = readConfigSnapshot(write(`{\n  gateway: {\n    port: 18789,,\n  }\n}`), {});
  assert.equal(snap.issues[0]?.code, "parse");
  assert.equal(snap.issues[0]?.line, 3);
  assert.ok(snap.issues[0]?.column);
});

test("an empty file and a non-object are reported, not thrown", () => {
  assert.match(readConfigSnapshot(write(""), {}).issues[0]!.message, /empty/);
  assert.match(readConfigSnapshot(write("[1,2]"), {}).issues[0]!.message, /must hold an object/);
});

test("${VAR} is substituted, $${VAR} stays literal, a missing one names the key", () => {
  const path = write(`{ gateway: { auth: { token: "\${TOK}" }, remote: { token: "$\${KEEP}" } } }`);
  const ok = loadConfig(path, { TOK: "secret-value" });
  assert.equal(ok.config.gateway?.auth?.token, "secret-value");
  assert.equal(ok.config.gateway?.remote?.token, "${KEEP}");
  const missing = readConfigSnapshot(path, {});
  assert.equal(missing.issues[0]?.code, "missing_env");
  assert.equal(missing.issues[0]?.path, "gateway.auth.token");
  assert.match(missing.issues[0]!.message, /TOK/);
});

test("the env.vars block supplies variables, the environment wins", () => {
  const path = write(`{ env: { vars: { PORTX: "x" } }, gateway: { auth: { token: "\${PORTX}" } } }`);
  assert.equal(loadConfig(path, {}).config.gateway?.auth?.token, "x");
  assert.equal(loadConfig(path, { PORTX: "y" }).config.gateway?.auth?.token, "y");
});

test("$include merges files in order with siblings on top", () => {
  write(`{ gateway: { port: 1000, bind: "lan" } }`, "inc-a.json5");
  write(`{ gateway: { port: 2000 }, logging: { level: "debug" } }`, "inc-b.json5");
  const path = write(`{ $include: ["./inc-a.json5", "./inc-b.json5"], gateway: { port: 3000 } }`);
  const snap = loadConfig(path, {});
  assert.equal(snap.config.gateway?.port, 3000);
  assert.equal(snap.config.gateway?.bind, "lan");
  assert.equal(snap.config.logging?.level, "debug");
  const before = snap.hash;
  write(`{ gateway: { port: 1000, bind: "loopback" } }`, "inc-a.json5");
  assert.notEqual(loadConfig(path, {}).hash, before, "an edit to an included file changes the hash");
});

test("$include cycles, missing files, escapes and depth are issues", () => {
  write(`{ $include: "./cyc-b.json5" }`, "cyc-a.json5");
  write(`{ $include: "./cyc-a.json5" }`, "cyc-b.json5");
  const cycle = readConfigSnapshot(write(`{ $include: "./cyc-a.json5" }`), {});
  assert.match(cycle.issues.map((i) => i.message).join(), /Include cycle/);

  assert.match(readConfigSnapshot(write(`{ $include: "./nope.json5" }`), {}).issues[0]!.message, /does not exist/);
  assert.match(
    readConfigSnapshot(write(`{ $include: "/etc/hostname" }`), {}).issues[0]!.message,
    /outside the config directory/,
  );
  assert.match(readConfigSnapshot(write(`{ $include: 5 }`), {}).issues[0]!.message, /file path/);

  for (let i = 0; i < 12; i++) write(`{ $include: "./deep-${i + 1}.json5" }`, `deep-${i}.json5`);
  write(`{}`, "deep-12.json5");
  assert.match(readConfigSnapshot(write(`{ $include: "./deep-0.json5" }`), {}).issues[0]!.message, /deeper than 10/);
});

test("a broken included file names the file and line", () => {
  write(`{\n a: ,\n}`, "broken.json5");
  const snap = readConfigSnapshot(write(`{ $include: "./broken.json5" }`), {});
  assert.equal(snap.issues[0]?.code, "parse");
  assert.match(snap.issues[0]!.file ?? "", /broken\.json5$/);
  assert.equal(snap.issues[0]?.line, 2);
});

test("OpenClaw's own onboarded config loads, its extra keys reported as ignored", () => {
  const fixture = readFileSync(
    new URL("../../test/fixtures/openclaw-2026.9.6-onboarded.json", import.meta.url),
    "utf8",
  );
  const snap = readConfigSnapshot(write(fixture), {});
  assert.deepEqual(snap.issues, []);
  assert.deepEqual([...snap.ignored].toSorted(), [
    "agents.entries",
    "meta",
    "models.catalogRefresh",
    "plugins",
    "telemetry",
    "tools.profile",
    "update",
    "wizard",
  ]);
  assert.equal(snap.config.gateway?.mode, "local");
});

test("loadConfig throws a ConfigError carrying every issue", () => {
  const path = write(`{ gateway: { prot: 1, bind: 5 } }`);
  assert.throws(
    () => loadConfig(path, {}),
    (error: unknown) =>
      error instanceof ConfigError && error.issues.length === 2 && /did you mean "port"/.test(error.message),
  );
});

test("oversized files are refused", () => {
  const snap = readConfigSnapshot(write(`{ "a": "${"x".repeat(2 * 1024 * 1024)}" }`), {});
  assert.equal(snap.issues[0]?.code, "read");
  assert.match(snap.issues[0]!.message, /limited to/);
});
