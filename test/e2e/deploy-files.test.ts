/**
 * The container and platform files, without a Docker engine: parsed and checked for what matters (user,
 * health check, ports, volume, environment, no secrets), and the image's exact start command and health
 * check run directly, with the image's environment, in a temporary directory.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { parse as parseToml } from "smol-toml";
import { parse as parseYaml } from "yaml";
import { freePort } from "./gateway-harness.js";
import { BIN, RUNUSER } from "./harness.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DEPLOY = join(ROOT, "deploy");
const read = (name: string) => readFileSync(join(DEPLOY, name), "utf8");

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions (continuation lines joined, comments dropped), per stage. */
function dockerfile(text: string): Instruction[][] {
  const stages: Instruction[][] = [];
  const logical = text.replace(/\\\n/g, " ").split("\n");
  for (const line of logical) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith("#")) continue;
    const [, op, args] = /^(\w+)\s+(.*)$/.exec(trimmed) ?? [];
    assert.ok(op, `not an instruction: ${trimmed}`);
    if (op.toUpperCase() === "FROM") stages.push([]);
    stages.at(-1)!.push({ op: op.toUpperCase(), args: args!.trim() });
  }
  return stages;
}

const image = dockerfile(read("Dockerfile"));
const runtime = image.at(-1)!;
const one = (op: string) => runtime.filter((i) => i.op === op).map((i) => i.args);
const execForm = (args: string) => JSON.parse(args) as string[];

test("Dockerfile: Node 22 slim, production install, unprivileged user, /data volume, port, health check", () => {
  assert.equal(image.length, 2, "a build stage and a runtime stage");
  for (const stage of image) assert.match(stage[0]!.args, /^node:22-bookworm-slim\b/);
  assert.deepEqual(one("USER"), ["node"]);
  assert.deepEqual(one("EXPOSE"), ["18789"]);
  assert.deepEqual(one("VOLUME"), ['["/data"]']);
  assert.match(one("ENV").join(" "), /OPENCLAW_STATE_DIR=\/data/);
  assert.match(
    one("ENV").join(" "),
    /NODE_OPTIONS=--max-semi-space-size=4\b/,
    "the gateway's flags, as services run it",
  );
  assert.match(one("RUN").join(" "), /npm install -g --omit=dev .*openclaw\.tgz/);
  assert.match(one("RUN").join(" "), /chown node:node \/data/);
  const health = one("HEALTHCHECK")[0]!;
  assert.match(health, /--interval=\d+s --timeout=\d+s/);
  assert.match(health, /\/healthz/);
  assert.deepEqual(execForm(one("ENTRYPOINT")[0]!), ["openclaw-entrypoint"]);
  assert.deepEqual(execForm(one("CMD")[0]!), ["openclaw", "gateway", "--bind", "lan"]);
  // Every file the image copies from the context exists.
  for (const stage of image)
    for (const copy of stage.filter((i) => i.op === "COPY" && !i.args.startsWith("--from")))
      for (const source of copy.args.split(/\s+/).slice(0, -1))
        assert.ok(existsSync(join(ROOT, source)), `COPY ${source} exists`);
  for (const stage of image)
    for (const i of stage.filter((x) => x.op === "ENV" || x.op === "ARG"))
      assert.doesNotMatch(i.args, /OPENCLAW_GATEWAY_TOKEN/, "no token baked into the image");
});

/** The image's filesystem as far as the start command cares: openclaw on PATH, HOME, the state dir. */
function containerLike(extra: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "oc-container-"));
  const bin = join(dir, "usr-local-bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "openclaw"), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(bin, "openclaw"), 0o755);
  writeFileSync(join(bin, "openclaw-entrypoint"), read("docker-entrypoint.sh"));
  chmodSync(join(bin, "openclaw-entrypoint"), 0o755);
  mkdirSync(join(dir, "home"));
  // The ENV lines of the runtime stage, with /data moved into the temporary directory.
  const imageEnv = Object.fromEntries(
    one("ENV")
      .join(" ")
      .split(/\s+/)
      .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)] as [string, string]),
  );
  const env: Record<string, string> = {
    ...imageEnv,
    OPENCLAW_STATE_DIR: join(dir, "data"),
    HOME: join(dir, "home"),
    PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`,
    ...extra,
  };
  return { dir, env, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function start(command: string[], env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(command[0]!, command.slice(1), { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

function withoutPort(env: Record<string, string>): Record<string, string> {
  const copy = { ...env };
  delete copy.OPENCLAW_GATEWAY_PORT;
  return copy;
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });

test("the image's start command runs the gateway on bind lan with the platform token; its health check passes", async () => {
  const port = await freePort();
  const token = "c".repeat(64);
  const c = containerLike({ OPENCLAW_GATEWAY_TOKEN: token, OPENCLAW_GATEWAY_PORT: String(port) });
  const command = [...execForm(one("ENTRYPOINT")[0]!), ...execForm(one("CMD")[0]!)];
  const gw = start(command, c.env);
  try {
    const healthArgs = execForm(one("HEALTHCHECK")[0]!.replace(/^.*?CMD\s+/, ""));
    assert.equal(healthArgs[0], "node");
    const check = () =>
      spawnSync(process.execPath, healthArgs.slice(1), { env: c.env, encoding: "utf8", timeout: 10_000 }).status;
    let status = check();
    for (let i = 0; i < 100 && status !== 0 && gw.child.exitCode === null; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = check();
    }
    assert.equal(status, 0, `health check failed:\n${gw.output()}`);
    // The health check can pass a moment before the log line reaches this end of the pipe.
    for (let i = 0; i < 50 && !/listening on .*0\.0\.0\.0/.test(gw.output()); i++)
      await new Promise((r) => setTimeout(r, 100));
    assert.match(gw.output(), /listening on .*0\.0\.0\.0/);
    const config = JSON.parse(readFileSync(join(c.env.OPENCLAW_STATE_DIR!, "openclaw.json"), "utf8")) as {
      gateway: { auth?: { token?: string } };
    };
    assert.equal(config.gateway.auth?.token, undefined, "the platform's token is used, not a generated one");
    const health = spawnSync(process.execPath, [BIN, "health", "--json"], {
      env: c.env,
      encoding: "utf8",
      timeout: 20_000,
    });
    assert.equal(health.status, 0, health.stderr);
    const wrong = spawnSync(process.execPath, [BIN, "health", "--json"], {
      env: { ...c.env, OPENCLAW_GATEWAY_TOKEN: "d".repeat(64) },
      encoding: "utf8",
      timeout: 20_000,
    });
    assert.notEqual(wrong.status, 0, "a wrong token is refused");
  } finally {
    gw.child.kill("SIGTERM");
    assert.equal(await exited(gw.child), 0, gw.output());
    c.cleanup();
  }
});

test("the container refuses to start the gateway without OPENCLAW_GATEWAY_TOKEN; PORT is honoured", async () => {
  const c = containerLike();
  try {
    const command = [...execForm(one("ENTRYPOINT")[0]!), ...execForm(one("CMD")[0]!)];
    const r = spawnSync(command[0]!, command.slice(1), { env: c.env, encoding: "utf8", timeout: 20_000 });
    assert.equal(r.status, 78);
    assert.match(r.stderr, /OPENCLAW_GATEWAY_TOKEN is not set.*\n.*openssl rand -hex 32/);
    assert.ok(!existsSync(join(c.env.OPENCLAW_STATE_DIR!, "openclaw.json")), "nothing was started or written");
    // Other commands pass through the entry point untouched; a platform's PORT becomes the gateway port.
    const port = spawnSync("openclaw-entrypoint", ["sh", "-c", 'echo "$OPENCLAW_GATEWAY_PORT"'], {
      env: { ...withoutPort(c.env), PORT: "10000" },
      encoding: "utf8",
    });
    assert.equal(port.stdout.trim(), "10000");
  } finally {
    c.cleanup();
  }
});

test(
  "a state volume the gateway's user cannot write is reported with the chown that fixes it",
  { skip: process.getuid?.() !== 0 && "needs root to run as another user" },
  async () => {
    const c = containerLike({ OPENCLAW_GATEWAY_TOKEN: "e".repeat(64) });
    try {
      // The common mistake: the volume belongs to root, the image runs as an unprivileged user.
      mkdirSync(c.env.OPENCLAW_STATE_DIR!, { mode: 0o755 });
      chmodSync(c.dir, 0o755);
      const r = spawnSync(RUNUSER, ["-u", "nobody", "--", process.execPath, BIN, "gateway", "--bind", "lan"], {
        env: { ...c.env, HOME: c.dir },
        encoding: "utf8",
        timeout: 20_000,
      });
      assert.equal(r.status, 78, r.stdout + r.stderr);
      assert.match(
        r.stderr,
        /the state directory .*\/data is not writable by this process \(uid \d+, owned by uid 0\): EACCES/,
      );
      assert.match(r.stderr, /sudo chown -R \d+:\d+ .*\/data/);
      assert.match(r.stderr, /For a Docker volume: docker run --rm -v <volume>:/);
    } finally {
      c.cleanup();
    }
  },
);

test("docker-compose.yml: gateway with health check, restart policy, volume, token and skip switches; a CLI service", () => {
  const compose = parseYaml(read("docker-compose.yml")) as {
    services: Record<string, Record<string, unknown>>;
    volumes: Record<string, unknown>;
  };
  const gateway = compose.services.gateway!;
  assert.equal(gateway.restart, "unless-stopped");
  assert.deepEqual(gateway.volumes, ["openclaw-data:/data"]);
  assert.ok("openclaw-data" in compose.volumes);
  assert.deepEqual(gateway.ports, ["127.0.0.1:18789:18789"]);
  const env = gateway.environment as Record<string, string>;
  assert.equal(env.OPENCLAW_STATE_DIR, "/data");
  assert.match(
    env.OPENCLAW_GATEWAY_TOKEN!,
    /^\$\{OPENCLAW_GATEWAY_TOKEN:\?/,
    "required from the environment, never written here",
  );
  assert.match(env.OPENCLAW_SKIP_CHANNELS!, /OPENCLAW_SKIP_CHANNELS/);
  assert.match(env.OPENCLAW_SKIP_CANVAS_HOST!, /OPENCLAW_SKIP_CANVAS_HOST/);
  const health = gateway.healthcheck as { test: string[]; interval: string; retries: number };
  assert.equal(health.test[0], "CMD");
  assert.match(health.test.join(" "), /\/healthz/);
  const cli = compose.services.cli!;
  assert.deepEqual(cli.volumes, ["openclaw-data:/data"]);
  assert.equal(cli.network_mode, "service:gateway");
  assert.deepEqual(cli.entrypoint, ["openclaw"]);
  assert.equal((gateway.build as { dockerfile: string }).dockerfile, "deploy/Dockerfile");
});

test("OPENCLAW_SKIP_CHANNELS is honoured by the gateway (channels status says so)", async () => {
  const port = await freePort();
  const c = containerLike({
    OPENCLAW_GATEWAY_TOKEN: "f".repeat(64),
    OPENCLAW_GATEWAY_PORT: String(port),
    OPENCLAW_SKIP_CHANNELS: "1",
    OPENCLAW_SKIP_CANVAS_HOST: "1",
  });
  const gw = start(["openclaw", "gateway"], c.env);
  try {
    for (let i = 0; i < 100 && !/ready in/.test(gw.output()); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(gw.output(), /channels skipped \(OPENCLAW_SKIP_CHANNELS=1\)/);
    assert.match(gw.output(), /canvas host skipped \(OPENCLAW_SKIP_CANVAS_HOST=1\)/);
    const status = spawnSync(process.execPath, [BIN, "gateway", "call", "channels.status", "--json"], {
      env: c.env,
      encoding: "utf8",
      timeout: 20_000,
    });
    assert.match(status.stdout, /"skipped": "OPENCLAW_SKIP_CHANNELS=1"/, status.stderr);
  } finally {
    gw.child.kill("SIGTERM");
    await exited(gw.child);
    c.cleanup();
  }
});

test("fly.toml, render.yaml, railway.json: state volume, health check path, internal port, token as a secret", () => {
  const fly = parseToml(read("fly.toml")) as {
    env: Record<string, string>;
    mounts: { source: string; destination: string }[];
    http_service: { internal_port: number; auto_stop_machines: string; checks: { path: string }[] };
  };
  assert.equal(fly.env.OPENCLAW_STATE_DIR, "/data");
  assert.equal(fly.mounts[0]!.destination, "/data");
  assert.equal(String(fly.http_service.internal_port), fly.env.OPENCLAW_GATEWAY_PORT);
  assert.equal(fly.http_service.checks[0]!.path, "/healthz");
  assert.equal(fly.http_service.auto_stop_machines, "off", "an always-on gateway is not stopped when idle");
  assert.ok(!("OPENCLAW_GATEWAY_TOKEN" in fly.env), "the token is a Fly secret, not in the file");
  assert.match(read("fly.toml"), /fly secrets set OPENCLAW_GATEWAY_TOKEN=/);

  const render = parseYaml(read("render.yaml")) as {
    services: {
      runtime: string;
      dockerfilePath: string;
      healthCheckPath: string;
      disk: { mountPath: string };
      envVars: { key: string; value?: string; generateValue?: boolean }[];
    }[];
  };
  const web = render.services[0]!;
  assert.equal(web.runtime, "docker");
  assert.ok(existsSync(join(ROOT, web.dockerfilePath)));
  assert.equal(web.healthCheckPath, "/healthz");
  assert.equal(web.disk.mountPath, "/data");
  const vars = Object.fromEntries(web.envVars.map((e) => [e.key, e]));
  assert.equal(vars.OPENCLAW_STATE_DIR!.value, "/data");
  assert.deepEqual(vars.OPENCLAW_GATEWAY_TOKEN, { key: "OPENCLAW_GATEWAY_TOKEN", generateValue: true });

  const railway = JSON.parse(read("railway.json")) as {
    build: { builder: string; dockerfilePath: string };
    deploy: { healthcheckPath: string; restartPolicyType: string };
  };
  assert.equal(railway.build.builder, "DOCKERFILE");
  assert.ok(existsSync(join(ROOT, railway.build.dockerfilePath)));
  assert.equal(railway.deploy.healthcheckPath, "/healthz");
  assert.equal(railway.deploy.restartPolicyType, "ON_FAILURE");
  for (const name of ["fly.toml", "render.yaml", "railway.json", "docker-compose.yml", "Dockerfile"])
    assert.doesNotMatch(read(name), /\b[0-9a-f]{32,}\b/, `${name} holds no secret`);
});

test(
  "docker-entrypoint.sh is shellcheck clean",
  { skip: spawnSync("shellcheck", ["--version"]).status !== 0 && "shellcheck is not installed (.ci/run installs it)" },
  () => {
    const r = spawnSync("shellcheck", [join(DEPLOY, "docker-entrypoint.sh")], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  },
);
