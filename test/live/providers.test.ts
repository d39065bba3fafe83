// Live provider tests (run by `npm run test:live`, never by `npm test` or CI): real calls to the
// providers whose keys are in the environment, through the built CLI in a temporary HOME.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { makeHome, type Home } from "../e2e/harness.js";
import { liveTargets, type LiveTarget as Target } from "./targets.js";

function homeFor(target: Target, apiKey = target.apiKey): { home: Home; env: Record<string, string> } {
  const home = makeHome();
  mkdirSync(join(home.dir, ".openclaw"), { recursive: true });
  const provider =
    target.id === "local"
      ? { local: { baseUrl: target.baseUrl, api: target.api, apiKey } }
      : { [target.id]: { api: target.api } };
  writeFileSync(
    join(home.dir, ".openclaw", "openclaw.json"),
    JSON.stringify({
      gateway: { mode: "local" },
      models: { providers: provider },
      agents: { defaults: { model: `${target.id}/${target.model}` } },
    }),
  );
  // Hosted keys come from the environment, the usual way.
  const env: Record<string, string> = target.id === "local" ? {} : { [target.needs]: apiKey ?? "" };
  return { home, env };
}

for (const target of liveTargets(process.env).filter((t) => t.available)) {
  test(`live ${target.id}: a plain answer with usage, and models status --probe says valid`, async () => {
    const { home, env } = homeFor(target);
    try {
      const r = await home.run(["agent", "--local", "--json", "--thinking", "off", "--message", "Reply with: pong"], {
        env,
        timeoutMs: 120_000,
      });
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { result: { payloads: { text: string }[]; stats: { tokensIn: number } } };
      assert.match(out.result.payloads[0]!.text, /pong/i);
      assert.ok(out.result.stats.tokensIn > 0, "usage is reported");
      const probe = await home.run(["models", "status", "--probe", "--json"], { env, timeoutMs: 120_000 });
      assert.equal(probe.code, 0, probe.stderr);
      assert.match(probe.stdout, /"status":\s*"valid"/);
    } finally {
      home.cleanup();
    }
  });

  test(`live ${target.id}: a tool loop writes a file in the workspace`, async () => {
    const { home, env } = homeFor(target);
    try {
      // Thinking on for Anthropic exercises the signed-thinking round trip through a tool call.
      const r = await home.run(
        [
          "agent",
          "--local",
          "--thinking",
          target.id === "anthropic" ? "low" : "off",
          "--message",
          "Use the write tool to create the file live.txt whose whole content is: live-ok\nThen reply with: done",
        ],
        { env, timeoutMs: 180_000 },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal(readFileSync(join(home.dir, ".openclaw", "workspace", "live.txt"), "utf8").trim(), "live-ok");
    } finally {
      home.cleanup();
    }
  });

  if (target.id !== "local")
    test(`live ${target.id}: a wrong key is an auth error with the next step`, async () => {
      const { home, env } = homeFor(target, "sk-wrong-key-for-live-test");
      try {
        const r = await home.run(["agent", "--local", "--message", "hi"], { env, timeoutMs: 60_000 });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /API key was refused/);
        assert.doesNotMatch(r.stderr, /sk-wrong-key-for-live-test/, "the key is never printed");
      } finally {
        home.cleanup();
      }
    });
}
