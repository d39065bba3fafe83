/**
 * deploy/install.sh against packed builds of this repository (no registry): a fresh install as root,
 * a user without write access to the global prefix (made with useradd), an upgrade from an older packed
 * version, the no-terminal and no-onboard paths, and the refusals. Prefixes and homes are temporary.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { RUNUSER } from "./harness.js";
import { KEYS, runInPty } from "./pty.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SOURCE_INSTALLER = join(ROOT, "deploy", "install.sh");
let INSTALLER: string;
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const OLD_VERSION = "2026.1.1";
const NODE_DIR = dirname(process.execPath);
const isRoot = process.getuid?.() === 0;

let work: string;
let current: string;
let older: string;

/** npm pack of a staging copy of the package (package.json, dist, README), with the version swapped if asked. */
function pack(version: string): string {
  const stage = mkdtempSync(join(work, "stage-"));
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as Record<string, unknown>;
  // The package as published: no scripts or devDependencies are needed to install it.
  writeFileSync(
    join(stage, "package.json"),
    JSON.stringify({ ...pkg, version, scripts: undefined, devDependencies: undefined, files: ["dist"] }),
  );
  cpSync(join(ROOT, "dist"), join(stage, "dist"), { recursive: true });
  if (version !== VERSION)
    for (const file of readdirSync(join(stage, "dist"), { recursive: true, encoding: "utf8" }))
      if (/\.(c?js)$/.test(file)) {
        const path = join(stage, "dist", file);
        writeFileSync(path, readFileSync(path, "utf8").replaceAll(`"${VERSION}"`, `"${version}"`));
      }
  chmodSync(join(stage, "dist", "entry.cjs"), 0o755);
  const r = spawnSync("npm", ["pack", "--silent", "--pack-destination", work], {
    cwd: stage,
    encoding: "utf8",
    env: { ...process.env, npm_config_cache: join(work, "npm-cache") },
  });
  assert.equal(r.status, 0, r.stderr);
  const file = join(work, r.stdout.trim().split("\n").at(-1)!);
  const named = join(work, `openclaw-${version}.tgz`);
  if (file !== named) cpSync(file, named);
  return named;
}

before(() => {
  work = mkdtempSync(join(tmpdir(), "oc-install-"));
  chmodSync(work, 0o755); // the test user must read the package files and the installer
  INSTALLER = join(work, "install.sh");
  cpSync(SOURCE_INSTALLER, INSTALLER);
  current = pack(VERSION);
  older = pack(OLD_VERSION);
});
after(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  code: number | null;
  out: string;
}

/** Runs the installer in a new session (so there is no terminal), with only the environment given. */
function install(env: Record<string, string>, args: string[] = [], asUser?: string): Promise<Run> {
  const base = ["/bin/bash", INSTALLER, ...args];
  const command = asUser
    ? [RUNUSER, "-u", asUser, "--", "env", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...base]
    : base;
  return new Promise((resolve) => {
    const child = spawn(command[0]!, command.slice(1), {
      env: asUser ? { PATH: process.env.PATH ?? "" } : env,
      detached: true, // a new session: no controlling terminal, as in CI or cron
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

function homeEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOME: home,
    PATH: `${NODE_DIR}:/usr/local/bin:/usr/bin:/bin`,
    SHELL: "/bin/bash",
    npm_config_cache: join(home, ".npm"),
    npm_config_update_notifier: "false",
    // Nothing here needs the registry; should something ask it, it fails at once on loopback.
    npm_config_registry: "http://127.0.0.1:9/",
    ...extra,
  };
}

function openclaw(bin: string, args: string[], env: Record<string, string>, asUser?: string) {
  const command = asUser ? [RUNUSER, "-u", asUser, "--", bin, ...args] : [bin, ...args];
  return spawnSync(command[0]!, command.slice(1), { env, encoding: "utf8", timeout: 30_000 });
}

test("fresh install into a writable global prefix, --help after, and no terminal means no onboarding", async () => {
  const home = mkdtempSync(join(work, "root-home-"));
  const prefix = join(work, "global-root");
  const env = homeEnv(home, { npm_config_prefix: prefix, OPENCLAW_INSTALL_TARBALL: current });
  const r = await install(env);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /==> System: (Linux|WSL2)/);
  assert.match(r.out, new RegExp(`==> Installing openclaw ${VERSION}`));
  assert.match(r.out, /No terminal for the questions\. Next: openclaw onboard/);
  const bin = join(prefix, "bin", "openclaw");
  assert.equal(openclaw(bin, ["--version"], env).stdout.trim(), VERSION);
  assert.equal(openclaw(bin, ["--help"], env).status, 0);
  assert.doesNotMatch(
    readFileSync(join(home, ".bashrc"), { flag: "a+" }).toString(),
    /OpenClaw installer/,
    "a global install leaves the shell profile alone",
  );

  // Again: idempotent (a reinstall of the same version), and OPENCLAW_NO_ONBOARD says so.
  const again = await install({ ...env, OPENCLAW_NO_ONBOARD: "1" });
  assert.equal(again.code, 0, again.out);
  assert.match(again.out, new RegExp(`openclaw ${VERSION} is already installed`));
  assert.match(again.out, /Skipping onboarding \(OPENCLAW_NO_ONBOARD=1\)/);
});

test("with a terminal, the installer goes on to the onboarding wizard", async () => {
  const home = mkdtempSync(join(work, "tty-home-"));
  const prefix = join(work, "global-tty");
  const session = runInPty(
    [INSTALLER],
    homeEnv(home, { npm_config_prefix: prefix, OPENCLAW_INSTALL_TARBALL: current }),
    ["/bin/bash"],
  );
  await session.expect(/==> Starting onboarding/, 60_000);
  await session.expect(/Continue\?/);
  session.send(KEYS.ctrlC);
  const code = await session.exited;
  assert.notEqual(code, 0, "a cancelled onboarding is reported");
  assert.match(session.text(), /onboarding cancelled; nothing was changed/);
  assert.match(session.text(), /onboarding did not finish\nRun it again: openclaw onboard/);
  assert.equal(openclaw(join(prefix, "bin", "openclaw"), ["--version"], homeEnv(home)).stdout.trim(), VERSION);
});

test("upgrade from an older packed version, with the version checked", async () => {
  const home = mkdtempSync(join(work, "upgrade-home-"));
  const prefix = join(work, "global-upgrade");
  const env = homeEnv(home, { npm_config_prefix: prefix, OPENCLAW_NO_ONBOARD: "1" });
  const first = await install({ ...env, OPENCLAW_INSTALL_TARBALL: older });
  assert.equal(first.code, 0, first.out);
  const bin = join(prefix, "bin", "openclaw");
  assert.equal(openclaw(bin, ["--version"], env).stdout.trim(), OLD_VERSION);
  const upgrade = await install({ ...env, OPENCLAW_INSTALL_TARBALL: current });
  assert.equal(upgrade.code, 0, upgrade.out);
  assert.match(upgrade.out, new RegExp(`Upgrading openclaw ${OLD_VERSION} to ${VERSION}`));
  assert.match(upgrade.out, new RegExp(`openclaw ${VERSION} is installed`));
  assert.equal(openclaw(bin, ["--version"], env).stdout.trim(), VERSION);
  assert.equal(openclaw(bin, ["--help"], env).status, 0);
});

test(
  "a user without write access to the global prefix gets ~/.npm-global and a PATH line",
  { skip: !isRoot && "needs root for useradd" },
  async () => {
    const user = `ocinst${process.pid % 100000}`;
    const home = join(work, `home-${user}`);
    const globalPrefix = join(work, "global-readonly");
    mkdirSync(join(globalPrefix, "lib", "node_modules"), { recursive: true });
    mkdirSync(join(globalPrefix, "bin"));
    chmodSync(globalPrefix, 0o755);
    const made = spawnSync("useradd", ["--create-home", "--home-dir", home, "--shell", "/bin/bash", user], {
      encoding: "utf8",
    });
    assert.equal(made.status, 0, made.stderr);
    try {
      const env = homeEnv(home, {
        npm_config_prefix: globalPrefix,
        OPENCLAW_INSTALL_TARBALL: current,
        OPENCLAW_NO_ONBOARD: "1",
        USER: user,
      });
      const r = await install(env, [], user);
      assert.equal(r.code, 0, r.out);
      assert.match(
        r.out,
        new RegExp(`global npm prefix \\(${globalPrefix}\\) is not writable; installing into ${home}/.npm-global`),
      );
      const bin = join(home, ".npm-global", "bin", "openclaw");
      const version = openclaw(bin, ["--version"], env, user);
      assert.equal(version.stdout.trim(), VERSION, version.stderr);
      assert.equal(openclaw(bin, ["--help"], env, user).status, 0);
      assert.deepEqual(
        readdirSync(join(globalPrefix, "lib", "node_modules")),
        [],
        "nothing went into the global prefix",
      );
      const bashrc = readFileSync(join(home, ".bashrc"), "utf8");
      assert.match(
        bashrc,
        new RegExp(`export PATH="${home}/.npm-global/bin:\\$PATH" # added by the OpenClaw installer`),
      );
      // A login shell of that user finds it through the profile line.
      const shell = spawnSync(RUNUSER, ["-u", user, "--", "bash", "-ic", "openclaw --version"], {
        encoding: "utf8",
        env: { HOME: home, PATH: `${NODE_DIR}:/usr/bin:/bin`, TERM: "dumb" },
        timeout: 30_000,
      });
      assert.match(shell.stdout, new RegExp(VERSION), shell.stderr);
      const twice = await install(env, [], user);
      assert.equal(twice.code, 0, twice.out);
      assert.equal(
        readFileSync(join(home, ".bashrc"), "utf8").split("added by the OpenClaw installer").length,
        2,
        "the PATH line is added once",
      );
    } finally {
      spawnSync("userdel", ["--remove", user], { encoding: "utf8" });
    }
  },
);

test("--help, --dry-run, and clear refusals: native Windows, no Node.js, old Node.js, bad input", async () => {
  const home = mkdtempSync(join(work, "misc-home-"));
  const env = homeEnv(home, { npm_config_prefix: join(work, "global-misc") });
  const help = await install(env, ["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.out, /OPENCLAW_INSTALL_TAG=.*\n.*OPENCLAW_BETA=1.*\n.*OPENCLAW_INSTALL_TARBALL/);

  const dry = await install({ ...env, OPENCLAW_INSTALL_TARBALL: current }, ["--dry-run"]);
  assert.equal(dry.code, 0, dry.out);
  assert.match(dry.out, /\[dry-run\] npm install -g .*openclaw-.*\.tgz/);
  assert.match(dry.out, /Dry run: nothing was changed/);
  assert.throws(() => readdirSync(join(work, "global-misc")), "nothing was installed");

  const fakes = mkdtempSync(join(work, "fakes-"));
  const fake = (name: string, body: string) => {
    writeFileSync(join(fakes, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(fakes, name), 0o755);
  };
  fake("uname", 'case "$1" in -s) echo MINGW64_NT-10.0 ;; *) echo x86_64 ;; esac');
  const windows = await install({ ...env, PATH: `${fakes}:${env.PATH}` });
  assert.equal(windows.code, 1);
  assert.match(windows.out, /native Windows is not supported by this installer\nInstall WSL2 \(.*wsl --install\)/);

  // A PATH with the tools the checks use, and no node.
  const bare = mkdtempSync(join(work, "bare-"));
  for (const tool of ["uname", "grep", "dirname"]) symlinkSync(`/usr/bin/${tool}`, join(bare, tool));
  const noNode = await install({ ...env, PATH: bare });
  assert.equal(noNode.code, 1);
  assert.match(noNode.out, /Node\.js is not installed \(OpenClaw needs 20\.19\.0 or newer\)\nInstall Node\.js 22 LTS/);
  const oldNode = mkdtempSync(join(work, "oldnode-"));
  writeFileSync(join(oldNode, "node"), "#!/bin/sh\necho 18.19.1\n");
  chmodSync(join(oldNode, "node"), 0o755);
  const old = await install({ ...env, PATH: `${oldNode}:${env.PATH}` });
  assert.equal(old.code, 1);
  assert.match(old.out, /Node\.js 18\.19\.1 is too old \(OpenClaw needs 20\.19\.0 or newer\)/);

  const missing = await install({ ...env, OPENCLAW_INSTALL_TARBALL: join(work, "nope.tgz") });
  assert.equal(missing.code, 1);
  assert.match(missing.out, /OPENCLAW_INSTALL_TARBALL=.*nope\.tgz does not exist/);
  const badTag = await install(env, ["--tag", "1.0; rm -rf /"]);
  assert.equal(badTag.code, 1);
  assert.match(badTag.out, /invalid tag or version/);
  const unknown = await install(env, ["--frobnicate"]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.out, /unknown option: --frobnicate\nSee: install\.sh --help/);
});

test(
  "install.sh is shellcheck clean",
  { skip: spawnSync("shellcheck", ["--version"]).status !== 0 && "shellcheck is not installed (.ci/run installs it)" },
  () => {
    const r = spawnSync("shellcheck", [SOURCE_INSTALLER], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  },
);
