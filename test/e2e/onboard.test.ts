import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { freePort } from "./gateway-harness.js";
import { makeHome } from "./harness.js";
import { KEYS, runInPty } from "./pty.js";

const FAKES = fileURLToPath(new URL("./fakes", import.meta.url));
interface ConfigJson {
  gateway: { mode: string; port: number; bind: string; auth: { mode: string; token: string } };
  agents: { defaults: { model: string; workspace: string } };
  models: { providers: Record<string, unknown> };
}
const readJson = <T = ConfigJson>(path: string) => JSON.parse(readFileSync(path, "utf8")) as T;

test("onboard, interactive in a terminal: a local model server, then again with every answer kept", async () => {
  const home = makeHome();
  try {
    const config = join(home.dir, ".openclaw", "openclaw.json");
    const first = runInPty(["onboard"], { HOME: home.dir });
    await first.expect(/Continue\?/);
    first.send(KEYS.enter);
    for (const prompt of [
      /Gateway port/,
      /Who may reach the gateway/,
      /How do clients authenticate/,
      /Workspace directory/,
    ]) {
      await first.expect(prompt);
      first.send(KEYS.enter);
    }
    await first.expect(/Model provider/);
    first.send(KEYS.down + KEYS.down + KEYS.enter); // OpenAI, Anthropic, → a local server
    await first.expect(/Server base URL/);
    first.send(KEYS.enter);
    await first.expect(/Model name on that server/);
    first.send(KEYS.enter);
    await first.expect(/Install the gateway as a service/);
    first.send(KEYS.enter); // no
    await first.expect(/Dashboard: http:\/\/127\.0\.0\.1:18789\//);
    assert.equal(await first.exited, 0, first.text());
    const written = readJson(config);
    assert.equal(written.gateway.bind, "loopback");
    assert.equal(written.gateway.auth.mode, "token");
    assert.match(written.gateway.auth.token, /^[0-9a-f]{64}$/, "a token is generated even on loopback");
    assert.equal(written.agents.defaults.model, "local/llama3.2");
    assert.deepEqual(written.models.providers.local, {
      baseUrl: "http://127.0.0.1:11434/v1",
      api: "openai-completions",
    });
    assert.ok(existsSync(join(home.dir, ".openclaw", "workspace", "AGENTS.md")), "the workspace is bootstrapped");
    assert.doesNotMatch(first.text(), new RegExp(written.gateway.auth.token), "the token is never shown");

    // Again: every default is the current value, so pressing Enter throughout changes nothing.
    const again = runInPty(["onboard"], { HOME: home.dir });
    await again.expect(/Continue\?/);
    again.send(KEYS.enter);
    await again.expect(/Gateway port[\s\S]*18789/);
    again.send(KEYS.enter);
    for (const prompt of [/Who may reach the gateway/, /How do clients authenticate/, /Workspace directory/]) {
      await again.expect(prompt);
      again.send(KEYS.enter);
    }
    await again.expect(/Keep local\/llama3\.2/);
    again.send(KEYS.enter);
    await again.expect(/Install the gateway as a service/);
    again.send(KEYS.enter);
    assert.equal(await again.exited, 0, again.text());
    assert.deepEqual(readJson(config), written);

    // Ctrl-C at the first question leaves everything as it was.
    const cancelled = runInPty(["onboard"], { HOME: home.dir });
    await cancelled.expect(/Continue\?/);
    cancelled.send(KEYS.ctrlC);
    assert.notEqual(await cancelled.exited, 0);
    assert.match(cancelled.text(), /cancelled; nothing was changed/);
    assert.deepEqual(readJson(config), written);
  } finally {
    home.cleanup();
  }
});

test("onboard --non-interactive: what is missing or refused is listed, and nothing is written", async () => {
  const home = makeHome();
  try {
    const run = (...args: string[]) => home.run(["onboard", "--non-interactive", ...args]);
    const noRisk = await run("--gateway-bind", "lan");
    assert.equal(noRisk.code, 2);
    assert.match(noRisk.stderr, /--accept-risk/);
    const many = await run(
      "--accept-risk",
      "--gateway-bind",
      "lan",
      "--gateway-auth",
      "none",
      "--auth-choice",
      "custom",
    );
    assert.equal(many.code, 2);
    assert.match(many.stderr, /a lan bind without auth is refused/);
    assert.match(many.stderr, /--custom-base-url <url>/);
    assert.match(many.stderr, /--custom-model-id <id>/);
    const password = await run("--accept-risk", "--gateway-auth", "password");
    assert.match(password.stderr, /--gateway-password <password>/);
    const funnel = await run("--accept-risk", "--tailscale", "funnel");
    assert.match(funnel.stderr, /funnel makes the gateway public: it needs --gateway-auth password/);
    const badBind = await run("--accept-risk", "--gateway-bind", "everywhere");
    assert.match(badBind.stderr, /--gateway-bind must be one of loopback, lan, tailnet, auto, custom/);
    const noKey = await run("--accept-risk", "--auth-choice", "anthropic-api-key");
    assert.match(noKey.stderr, /--anthropic-api-key <key> \(or ANTHROPIC_API_KEY in the environment\)/);
    assert.ok(!existsSync(join(home.dir, ".openclaw", "openclaw.json")), "nothing was written");

    const notty = await home.run(["onboard"]);
    assert.equal(notty.code, 2);
    assert.match(notty.stderr, /needs a terminal\nIn scripts: openclaw onboard --non-interactive --accept-risk/);
  } finally {
    home.cleanup();
  }
});

test("onboard --non-interactive: lan with a token, an API key kept 0600 outside the config, --json", async () => {
  const home = makeHome();
  try {
    const key = "sk-onboard-test-key-0123456789";
    const r = await home.run([
      "onboard",
      "--non-interactive",
      "--accept-risk",
      "--gateway-bind",
      "lan",
      "--gateway-auth",
      "token",
      "--gateway-port",
      "19555",
      "--openai-api-key",
      key,
      "--workspace",
      join(home.dir, "ws"),
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(out.bind, "lan");
    assert.equal(out.tokenGenerated, true);
    assert.equal(out.model, "openai/gpt-5.1");
    assert.equal(out.daemon, "skipped");
    const state = join(home.dir, ".openclaw");
    const config = readFileSync(join(state, "openclaw.json"), "utf8");
    assert.doesNotMatch(config, new RegExp(key), "the API key is not in the config");
    const profiles = join(state, "credentials", "auth-profiles.json");
    assert.equal(statSync(profiles).mode & 0o777, 0o600);
    assert.deepEqual(readJson<{ profiles: Record<string, unknown> }>(profiles).profiles["openai:default"], {
      type: "api_key",
      provider: "openai",
      key,
    });
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(key), "nor printed");
    const status = await home.run(["models", "status", "--json"]);
    assert.match(
      status.stdout,
      /"name": "openai:default",\s*"provider": "openai",\s*"type": "api_key",\s*"status": "valid"/,
    );
    // The gateway starts with what onboarding wrote (lan needs the token, which is there).
    const token = readJson(join(state, "openclaw.json")).gateway.auth.token;
    assert.match(token, /^[0-9a-f]{64}$/);
  } finally {
    home.cleanup();
  }
});

test("onboard --install-daemon installs and starts the service, then checks health", async () => {
  const home = makeHome();
  const port = await freePort();
  const env = { PATH: `${FAKES}:${process.env.PATH}`, FAKE_STATE: join(home.dir, "fake"), FAKE_LINGER: "yes" };
  mkdirSync(env.FAKE_STATE);
  try {
    const r = await home.run(
      ["onboard", "--non-interactive", "--accept-risk", "--gateway-port", String(port), "--install-daemon"],
      { env, timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Installed: openclaw-gateway\.service \(systemd-user\)/);
    assert.match(r.stdout, /Health: {4}ok \(\d+ms\)/);
    assert.match(r.stdout, new RegExp(`Dashboard: http://127\\.0\\.0\\.1:${port}/`));
    // Again with --json: stdout is one JSON document (the service lines go to stderr).
    const json = await home.run(["onboard", "--non-interactive", "--accept-risk", "--install-daemon", "--json"], {
      env,
      timeoutMs: 60_000,
    });
    assert.equal(json.code, 0, json.stderr);
    const out = JSON.parse(json.stdout) as { daemon: string; health: { ok: boolean }; port: number };
    assert.deepEqual([out.daemon, out.health.ok, out.port], ["installed", true, port]);
    assert.match(json.stderr, /Already installed: openclaw-gateway\.service/);
  } finally {
    await home.run(["gateway", "uninstall"], { env, timeoutMs: 30_000 });
    home.cleanup();
  }
});

test("setup makes the minimal state, keeps what exists, and honours --profile and OPENCLAW_STATE_DIR", async () => {
  const home = makeHome();
  try {
    const first = await home.run(["setup"]);
    assert.equal(first.code, 0, first.stderr);
    const state = join(home.dir, ".openclaw");
    assert.equal(statSync(state).mode & 0o777, 0o700);
    const config = readJson(join(state, "openclaw.json"));
    assert.equal(config.gateway.mode, "local");
    assert.match(config.gateway.auth.token, /^[0-9a-f]{64}$/);
    assert.ok(existsSync(join(state, "workspace", "SOUL.md")));
    const second = await home.run(["setup"]);
    assert.match(second.stdout, /openclaw\.json \(unchanged\)/);
    assert.deepEqual(readJson(join(state, "openclaw.json")), config);

    // The seed's rescue profile: its own state directory, port and workspace.
    const rescue = join(home.dir, ".openclaw-rescue");
    const r = await home.run(
      [
        "--profile",
        "rescue",
        "onboard",
        "--non-interactive",
        "--accept-risk",
        "--gateway-port",
        "19001",
        "--workspace",
        join(home.dir, ".openclaw", "workspace-rescue"),
      ],
      { env: { OPENCLAW_STATE_DIR: rescue } },
    );
    assert.equal(r.code, 0, r.stderr);
    const rescued = readJson(join(rescue, "openclaw.json"));
    assert.equal(rescued.gateway.port, 19001);
    assert.equal(rescued.agents.defaults.workspace, join(home.dir, ".openclaw", "workspace-rescue"));
    assert.notEqual(rescued.gateway.auth.token, config.gateway.auth.token, "each profile has its own token");
    assert.deepEqual(readJson(join(state, "openclaw.json")), config, "the default profile is untouched");
  } finally {
    home.cleanup();
  }
});
