import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { makeHome } from "./harness.js";

const home = makeHome();
after(() => home.cleanup());
const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

test("--version prints the version alone; --help lists the commands", async () => {
  const v = await home.run(["--version"]);
  assert.equal(v.code, 0);
  assert.equal(v.stdout, `${pkg.version}\n`);
  assert.equal(v.stderr, "");
  const h = await home.run(["--help"]);
  assert.equal(h.code, 0);
  for (const name of ["config", "logs", "doctor", "--profile", "--dev", "--log-level", "--no-color"])
    assert.match(h.stdout, new RegExp(name));
  assert.equal((await home.run([])).code, 0);
});

test("usage errors exit 2 with a suggestion; nothing is created", async () => {
  const r = await home.run(["doctr"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /did you mean "doctor"/);
  const flag = await home.run(["logs", "--limt", "3"]);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /Did you mean --limit/);
  assert.equal(existsSync(join(home.dir, ".openclaw")), false);
});

test("profiles isolate state: each writes its own directory", async () => {
  assert.equal((await home.run(["config", "set", "gateway.port", "18800"])).code, 0);
  assert.equal((await home.run(["--profile", "rescue", "config", "set", "gateway.port", "19002"])).code, 0);
  assert.equal((await home.run(["--dev", "config", "set", "gateway.bind", "loopback"])).code, 0);
  const read = (dir: string) =>
    JSON.parse(readFileSync(join(home.dir, dir, "openclaw.json"), "utf8")) as Record<string, unknown>;
  assert.deepEqual(read(".openclaw"), { gateway: { port: 18800 } });
  assert.deepEqual(read(".openclaw-rescue"), { gateway: { port: 19002 } });
  assert.deepEqual(read(".openclaw-dev"), { gateway: { bind: "loopback" } });
  assert.equal((await home.run(["--profile", "rescue", "config", "get", "gateway.port"])).stdout, "19002\n");
  assert.equal(
    (await home.run(["config", "get", "gateway.port"], { env: { OPENCLAW_PROFILE: "rescue" } })).stdout,
    "19002\n",
  );
  assert.equal(statSync(join(home.dir, ".openclaw-rescue")).mode & 0o777, 0o700);
  assert.equal(statSync(join(home.dir, ".openclaw-rescue", "openclaw.json")).mode & 0o777, 0o600);
});

test("OPENCLAW_STATE_DIR beats the profile; OPENCLAW_CONFIG_PATH beats the state dir", async () => {
  const state = join(home.dir, "custom-state");
  await home.run(["--profile", "ignored", "config", "set", "gateway.port", "1234"], {
    env: { OPENCLAW_STATE_DIR: state },
  });
  assert.ok(existsSync(join(state, "openclaw.json")));
  assert.equal(existsSync(join(home.dir, ".openclaw-ignored")), false);
  const file = join(home.dir, "elsewhere.json5");
  const r = await home.run(["config", "file"], { env: { OPENCLAW_STATE_DIR: state, OPENCLAW_CONFIG_PATH: file } });
  assert.equal(r.stdout, `${file}\n`);
});

test(".env files fill the environment without overriding it: state dir first, then the working directory", async () => {
  const state = join(home.dir, "envstate");
  mkdirSync(state, { recursive: true });
  writeFileSync(join(state, ".env"), "OC_TOKEN_A=from-state\nOC_B=from-state\n");
  const cwd = join(home.dir, "proj");
  mkdirSync(cwd);
  writeFileSync(join(cwd, ".env"), "OC_B=from-cwd\nOC_C=from-cwd\n");
  writeFileSync(
    join(state, "openclaw.json"),
    `{ gateway: { auth: { token: "\${OC_TOKEN_A}", password: "\${OC_C}" }, remote: { token: "\${OC_B}" } } }`,
  );
  const env = { OPENCLAW_STATE_DIR: state };
  const get = async (key: string, extra: Record<string, string> = {}) =>
    (await home.run(["config", "get", key, "--show-secrets"], { env: { ...env, ...extra }, cwd })).stdout.trim();
  assert.equal(await get("gateway.auth.token"), "from-state");
  assert.equal(await get("gateway.remote.token"), "from-state");
  assert.equal(await get("gateway.auth.password"), "from-cwd");
  assert.equal(await get("gateway.auth.token", { OC_TOKEN_A: "from-env" }), "from-env");
});

test("a state dir readable by others is reported by every command; --log-level debug shows what was loaded", async () => {
  const state = join(home.dir, "open-state");
  mkdirSync(state, { mode: 0o755 });
  chmodSync(state, 0o755);
  writeFileSync(join(state, ".env"), "SOMETHING=1\n");
  const r = await home.run(["--log-level", "debug", "--no-color", "config", "file"], {
    env: { OPENCLAW_STATE_DIR: state },
  });
  assert.equal(r.code, 0);
  assert.match(r.stderr, /Warning: .*open-state has mode 0755.*chmod 700/);
  assert.match(r.stderr, /debug cli: loaded .*open-state\/\.env variables=1/);
  assert.ok(!r.stderr.includes("\u001b["), "no colour codes");
  const quiet = await home.run(["config", "file"], { env: { OPENCLAW_STATE_DIR: state, OPENCLAW_LOG_LEVEL: "error" } });
  assert.doesNotMatch(quiet.stderr, /debug/);
});
