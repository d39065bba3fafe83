import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { checkNode, runDoctor } from "./doctor.js";
import { resolveStatePaths } from "./paths.js";

const home = mkdtempSync(join(tmpdir(), "oc-doctor-"));
after(() => rmSync(home, { recursive: true, force: true }));
const paths = resolveStatePaths({ profile: "default", env: {}, homedir: home, cwd: home });
const byId = (checks: { id: string; status: string }[], id: string) =>
  checks.filter((c) => c.id === id).map((c) => c.status);

test("Node.js older than 20.19 fails with the next step", () => {
  assert.equal(checkNode("20.19.0").status, "ok");
  assert.equal(checkNode("22.1.0").status, "ok");
  const old = checkNode("20.18.1");
  assert.equal(old.status, "fail");
  assert.match(old.next ?? "", /Install Node\.js/);
});

test("a missing state dir is a warning; --fix creates it 0700 with logs and credentials", () => {
  const before = runDoctor({ paths, env: {}, nodeVersion: "20.20.0", fix: false, now: new Date() });
  assert.deepEqual(byId(before, "state-dir"), ["warn"]);
  const fixed = runDoctor({ paths, env: {}, nodeVersion: "20.20.0", fix: true, now: new Date() });
  assert.deepEqual(byId(fixed, "state-dir"), ["fixed"]);
  assert.deepEqual(byId(fixed, "logs-dir"), ["fixed"]);
  assert.equal(statSync(paths.stateDir).mode & 0o777, 0o700);
  assert.equal(statSync(paths.credentialsDir).mode & 0o777, 0o700);
});

test("open modes are reported and fixed; every config problem is listed", () => {
  mkdirSync(paths.stateDir, { recursive: true });
  chmodSync(paths.stateDir, 0o755);
  writeFileSync(paths.configPath, `{ gateway: { prot: 1, bind: "x" } }`, { mode: 0o644 });
  chmodSync(paths.configPath, 0o644);
  writeFileSync(paths.envFile, "A=1\n", { mode: 0o644 });
  chmodSync(paths.envFile, 0o644);
  const report = runDoctor({ paths, env: {}, nodeVersion: "20.20.0", fix: false, now: new Date() });
  assert.deepEqual(byId(report, "state-dir-mode"), ["warn"]);
  assert.deepEqual(byId(report, "config-mode"), ["warn"]);
  assert.deepEqual(byId(report, "secret-file-mode"), ["warn"]);
  const config = report.find((c) => c.id === "config")!;
  assert.equal(config.status, "fail");
  assert.match(config.message, /2 problem\(s\)/);
  assert.match(config.message, /gateway\.prot/);
  assert.match(config.message, /gateway\.bind/);

  runDoctor({ paths, env: {}, nodeVersion: "20.20.0", fix: true, now: new Date() });
  assert.equal(statSync(paths.stateDir).mode & 0o777, 0o700);
  assert.equal(statSync(paths.configPath).mode & 0o777, 0o600);
  assert.equal(statSync(paths.envFile).mode & 0o777, 0o600);
});

test("disk and log volume are measured", () => {
  const report = runDoctor({ paths, env: {}, nodeVersion: "20.20.0", fix: false, now: new Date() });
  assert.match(report.find((c) => c.id === "disk")!.message, /free under/);
  assert.match(report.find((c) => c.id === "logs")!.message, /of logs in \d+ file/);
});
