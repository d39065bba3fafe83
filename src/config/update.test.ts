import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import JSON5 from "json5";
import { editConfigText } from "./edit.js";
import { ConfigEditError } from "./issues.js";
import { ConfigError } from "./issues.js";
import { updateConfig } from "./update.js";

const root = mkdtempSync(join(tmpdir(), "oc-update-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function fresh(text?: string) {
  const dir = join(root, `s${n++}`);
  const configPath = join(dir, "openclaw.json");
  if (text !== undefined) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(configPath, text);
  }
  const set = (path: (string | number)[], value: unknown) =>
    updateConfig({
      configPath,
      logsDir: join(dir, "logs"),
      env: {},
      edits: [{ path, value }],
      command: "test",
      now: new Date(),
    });
  return { dir, configPath, set };
}

test("comments and layout of a JSONC file survive an edit", () => {
  const raw = `{\n  // the port\n  "gateway": {\n    "port": 18789, // default\n  },\n  "plugins": { "x": 1 }\n}\n`;
  const out = editConfigText(raw, [{ path: ["gateway", "port"], value: 18790 }]);
  assert.equal(out.preservedFormatting, true);
  assert.match(out.text, /\/\/ the port/);
  assert.match(out.text, /"port": 18790, \/\/ default/);
  assert.match(out.text, /"plugins": \{ "x": 1 \}/);
});

test("a JSON5-only file is rewritten as JSON, keeping every key", () => {
  const raw = `{ gateway: { port: 1 }, 'meta': { a: [1, 2] } }`;
  const out = editConfigText(raw, [{ path: ["gateway", "bind"], value: "lan" }]);
  assert.equal(out.preservedFormatting, false);
  assert.deepEqual(JSON5.parse(out.text), { gateway: { port: 1, bind: "lan" }, meta: { a: [1, 2] } });
});

test("edits inside a non-object or past a list's end are refused", () => {
  assert.throws(() => editConfigText(`{ "gateway": "x" }`, [{ path: ["gateway", "port"], value: 1 }]), ConfigEditError);
  assert.throws(() => editConfigText(`{ "a": [1] }`, [{ path: ["a", 3], value: 1 }]), /past the end/);
  assert.throws(() => editConfigText(`{ "a": {} }`, [{ path: ["a", 0], value: 1 }]), /not a list/);
  assert.deepEqual(JSON.parse(editConfigText(`{ "a": [1] }`, [{ path: ["a", 1], value: 2 }]).text), { a: [1, 2] });
});

test("the first write creates the file 0600 in a 0700 directory, with an audit line and no backup", () => {
  const s = fresh();
  const out = s.set(["gateway", "auth", "token"], "very-secret-token-value");
  assert.deepEqual(out.changedPaths, ["gateway.auth.token"]);
  assert.equal(statSync(s.configPath).mode & 0o777, 0o600);
  assert.equal(statSync(s.dir).mode & 0o777, 0o700);
  assert.equal(existsSync(`${s.configPath}.bak.1`), false);
  const audit = readFileSync(join(s.dir, "logs", "config-audit.jsonl"), "utf8");
  assert.doesNotMatch(audit, /very-secret-token-value/);
  const line = JSON.parse(audit.trim()) as { paths: string[]; hashAfter: string; hashBefore: null };
  assert.deepEqual(line.paths, ["gateway.auth.token"]);
  assert.equal(line.hashBefore, null);
});

test("five backups are kept, newest first", () => {
  const s = fresh();
  for (let port = 1001; port <= 1008; port++) s.set(["gateway", "port"], port);
  const backup = (i: number) =>
    (JSON.parse(readFileSync(`${s.configPath}.bak.${i}`, "utf8")) as { gateway: { port: number } }).gateway.port;
  assert.deepEqual([1, 2, 3, 4, 5].map(backup), [1007, 1006, 1005, 1004, 1003]);
  assert.equal(existsSync(`${s.configPath}.bak.6`), false);
  assert.equal(statSync(`${s.configPath}.bak.3`).mode & 0o777, 0o600);
});

test("a change that makes the config invalid is refused and nothing is written", () => {
  const s = fresh(`{ "gateway": { "port": 1 } }\n`);
  assert.throws(() => s.set(["gateway", "bind"], "everywhere"), ConfigError);
  assert.equal(readFileSync(s.configPath, "utf8"), `{ "gateway": { "port": 1 } }\n`);
  assert.equal(existsSync(join(s.dir, "logs", "config-audit.jsonl")), false);
});

test("an already invalid config can still be repaired key by key", () => {
  const s = fresh(`{ "gateway": { "prot": 1, "port": "x" } }\n`);
  s.set(["gateway", "prot"], undefined);
  s.set(["gateway", "port"], 18789);
  assert.deepEqual(JSON.parse(readFileSync(s.configPath, "utf8")), { gateway: { port: 18789 } });
});

test("an unparseable config is not edited and the message points at the backup", () => {
  const s = fresh(`{ gateway: `);
  assert.throws(
    () => s.set(["gateway", "port"], 1),
    (e: unknown) => e instanceof ConfigError && /bak\.1/.test(e.message),
  );
});

test("an unchanged value writes nothing", () => {
  const s = fresh(`{ "gateway": { "port": 5 } }`);
  assert.deepEqual(s.set(["gateway", "port"], 5).changedPaths, []);
  assert.equal(existsSync(`${s.configPath}.bak.1`), false);
});
