import assert from "node:assert/strict";
import { test } from "node:test";
import { ProfileError, resolveProfile, resolveStatePaths } from "./paths.js";

const home = "/home/u";
const cwd = "/work";

test("the default profile lives in ~/.openclaw with port 18789", () => {
  const paths = resolveStatePaths({ profile: resolveProfile({ env: {} }), env: {}, homedir: home, cwd });
  assert.equal(paths.stateDir, "/home/u/.openclaw");
  assert.equal(paths.configPath, "/home/u/.openclaw/openclaw.json");
  assert.equal(paths.workspaceDir, "/home/u/.openclaw/workspace");
  assert.equal(paths.logsDir, "/home/u/.openclaw/logs");
  assert.equal(paths.defaultPort, 18789);
});

test("a named profile gets ~/.openclaw-<name> and a workspace under ~/.openclaw", () => {
  const paths = resolveStatePaths({ profile: "rescue", env: {}, homedir: home, cwd });
  assert.equal(paths.stateDir, "/home/u/.openclaw-rescue");
  assert.equal(paths.workspaceDir, "/home/u/.openclaw/workspace-rescue");
});

test("--dev is profile dev with port 19001", () => {
  const profile = resolveProfile({ dev: true, env: {} });
  assert.equal(profile, "dev");
  assert.equal(resolveStatePaths({ profile, env: {}, homedir: home, cwd }).defaultPort, 19001);
});

test("the flag wins over OPENCLAW_PROFILE, which wins over the default", () => {
  assert.equal(resolveProfile({ env: { OPENCLAW_PROFILE: "a" } }), "a");
  assert.equal(resolveProfile({ flag: "b", env: { OPENCLAW_PROFILE: "a" } }), "b");
  assert.equal(resolveProfile({ env: { OPENCLAW_PROFILE: "  " } }), "default");
});

test("OPENCLAW_STATE_DIR and OPENCLAW_CONFIG_PATH override the profile's paths", () => {
  const env = { OPENCLAW_STATE_DIR: "~/state", OPENCLAW_CONFIG_PATH: "conf/my.json5" };
  const paths = resolveStatePaths({ profile: "x", env, homedir: home, cwd });
  assert.equal(paths.stateDir, "/home/u/state");
  assert.equal(paths.configPath, "/work/conf/my.json5");
  assert.equal(paths.stateDirSource, "OPENCLAW_STATE_DIR");
});

test("OPENCLAW_HOME replaces the home directory", () => {
  const paths = resolveStatePaths({ profile: "default", env: { OPENCLAW_HOME: "/srv/oc" }, homedir: home, cwd });
  assert.equal(paths.stateDir, "/srv/oc/.openclaw");
});

test("bad profile names and --dev with --profile are refused with the next step", () => {
  for (const bad of ["../x", "a b", "a/b", "", "x".repeat(65), "é"]) {
    assert.throws(
      () => resolveProfile({ flag: bad, env: {} }),
      (error: unknown) => {
        return error instanceof ProfileError && /letters, digits/.test(error.message);
      },
      bad,
    );
  }
  assert.throws(() => resolveProfile({ dev: true, flag: "prod", env: {} }), /Cannot combine --dev with --profile/);
  assert.throws(() => resolveProfile({ env: { OPENCLAW_PROFILE: "a;rm" } }), ProfileError);
});
