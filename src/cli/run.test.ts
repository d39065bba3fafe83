import assert from "node:assert/strict";
import { after, test } from "node:test";
import { parseGlobalOptions } from "./run.js";
import { createTestWorld } from "./run.test-utils.js";

const t = createTestWorld();
after(() => t.cleanup());

test("global options are taken off wherever they stand", () => {
  const g = parseGlobalOptions([
    "config",
    "--profile",
    "a",
    "get",
    "--no-color",
    "x",
    "--log-level=debug",
    "--",
    "--dev",
  ]);
  assert.equal(g.profile, "a");
  assert.equal(g.color, false);
  assert.equal(g.logLevel, "debug");
  assert.equal(g.dev, false);
  assert.deepEqual(g.rest, ["config", "get", "x", "--", "--dev"]);
});

test("an unknown command is a usage error with a suggestion", async () => {
  const r = await t.run("confgi", "get");
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Unknown command "confgi" \(did you mean "config"\?\)/);
  assert.match(r.stderr, /openclaw --help/);
});

test("an unknown flag of a command is a usage error with commander's suggestion", async () => {
  const r = await t.run("config", "validate", "--jsn");
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown option '--jsn'/);
  assert.match(r.stderr, /Did you mean --json\?/);
});

test("an unknown subcommand suggests the right one", async () => {
  const r = await t.run("config", "gte", "gateway.port");
  assert.equal(r.code, 2);
  assert.match(r.stderr, /get/);
});

test("global option mistakes are usage errors", async () => {
  assert.equal((await t.run("--profile")).code, 2);
  assert.equal((await t.run("--profile", "a/b", "config", "file")).code, 2);
  assert.equal((await t.run("--dev", "--profile", "x", "config", "file")).code, 2);
  const level = await t.run("--log-level", "verbose", "config", "file");
  assert.equal(level.code, 2);
  assert.match(level.stderr, /Use one of: trace/);
  const unknown = await t.run("--profle", "x");
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /did you mean --profile/);
});

test("help, help <command> and --version", async () => {
  const help = await t.run("--no-color", "--help");
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Commands:\n {2}gateway /);
  assert.match(help.stdout, /\n {2}config /);
  const sub = await t.run("help", "config");
  assert.equal(sub.code, 0);
  assert.match(sub.stdout, /validate/);
  const version = await t.run("--profile", "x", "--version");
  assert.match(version.stdout, /^\d{4}\.\d+\.\d+\n$/);
  const group = await t.run("config");
  assert.equal(group.code, 2);
  assert.match(group.stderr + group.stdout, /Usage: openclaw config/);
});

test("config file follows the profile", async () => {
  const r = await t.run("--profile", "work", "config", "file");
  assert.equal(r.stdout.trim(), `${t.home}/.openclaw-work/openclaw.json`);
});
