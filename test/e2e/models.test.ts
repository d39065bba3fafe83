import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { startFakeModelServer, type FakeModelServer } from "./fake-model-server.js";
import { makeHome } from "./harness.js";

let model: FakeModelServer;
before(async () => {
  model = await startFakeModelServer();
});
after(async () => {
  await model.close();
});

test("models status: models and auth profiles as valid, missing, invalid, expired, rate-limited, billing", async () => {
  const home = makeHome();
  try {
    const state = join(home.dir, ".openclaw");
    mkdirSync(join(state, "credentials"), { recursive: true, mode: 0o700 });
    writeFileSync(
      join(state, "openclaw.json"),
      JSON.stringify({
        gateway: { mode: "local" },
        models: {
          providers: {
            fake: { baseUrl: model.url, api: "openai-completions" },
            limited: { baseUrl: `${model.anthropicUrl}/limited/v1`, api: "openai-completions", apiKey: "k" },
            claude: { baseUrl: model.anthropicUrl, api: "anthropic-messages", apiKey: "revoked" },
            // Not loopback: never called, since its only credential has expired.
            exp: { baseUrl: "https://models.example.invalid/v1", api: "openai-completions" },
          },
        },
        agents: {
          defaults: {
            model: { primary: "fake/m", fallbacks: ["limited/m", "claude/c", "openai/gpt-5.1", "exp/m", "nowhere/m"] },
          },
        },
      }),
    );
    writeFileSync(
      join(state, "credentials", "auth-profiles.json"),
      JSON.stringify({
        profiles: {
          "fake:good": { type: "api_key", provider: "fake", key: "good" },
          "fake:broke": { type: "api_key", provider: "fake", key: "exhausted" },
          "fake:old": { type: "token", provider: "fake", token: "t-old", expires: 1000 },
          "fake:empty": { type: "api_key", provider: "fake" },
          "exp:old": { type: "oauth", provider: "exp", access: "a-old", refresh: "r", expires: 1000 },
        },
      }),
      { mode: 0o600 },
    );
    const status = async (...extra: string[]) => {
      const r = await home.run(["models", "status", "--json", ...extra], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as {
        models: { ref: string; status: string; keySource?: string }[];
        profiles: { name: string; status: string }[];
      };
      return {
        models: Object.fromEntries(out.models.map((m) => [m.ref, m.status])),
        profiles: Object.fromEntries(out.profiles.map((p) => [p.name, p.status])),
        keySource: out.models[0]!.keySource,
      };
    };
    const offline = await status();
    assert.deepEqual(offline.models, {
      "fake/m": "valid",
      "limited/m": "valid",
      "claude/c": "valid",
      "openai/gpt-5.1": "missing",
      "exp/m": "expired",
      "nowhere/m": "invalid",
    });
    assert.equal(offline.keySource, "profile:fake:good", "the source is named, never the key");
    assert.deepEqual(offline.profiles, {
      "fake:good": "valid",
      "fake:broke": "valid",
      "fake:old": "expired",
      "fake:empty": "missing",
      "exp:old": "expired",
    });

    const probed = await status("--probe");
    assert.deepEqual(probed.models, { ...offline.models, "limited/m": "rate-limited", "claude/c": "invalid" });
    assert.deepEqual(probed.profiles, { ...offline.profiles, "fake:broke": "billing" });

    const text = await home.run(["models", "status"], { timeoutMs: 60_000 });
    assert.match(text.stdout, /^\* fake\/m\s+valid\s+key: profile:fake:good$/m);
    assert.match(text.stdout, /Auth profiles.*\n(?:.*\n)*\s+fake:old\s+expired\s+token/);
    assert.doesNotMatch(text.stdout + text.stderr, /good"|exhausted|t-old|a-old/, "no secret is printed");
  } finally {
    home.cleanup();
  }
});
