/**
 * Discord end to end through the built binary: a fake Discord (REST + gateway WebSocket) on loopback via
 * DISCORD_API_URL, and the fake model server. Issue 13.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startFakeDiscord, type FakeDiscord } from "../../src/channels/discord/fake-discord.test-utils.js";
import { startFakeModelServer, type FakeModelServer } from "./fake-model-server.js";
import { freePort, startGateway, type RunningGateway } from "./gateway-harness.js";

let model: FakeModelServer;
before(async () => {
  model = await startFakeModelServer();
});
after(async () => {
  await model.close();
});

async function withDiscord(
  fn: (gw: RunningGateway, discord: FakeDiscord) => Promise<void>,
  discordConfig: Record<string, unknown>,
  fakeOptions: Parameters<typeof startFakeDiscord>[0] = {},
): Promise<void> {
  const discord = await startFakeDiscord(fakeOptions);
  const port = await freePort();
  const gw = await startGateway({
    port,
    env: { DISCORD_API_URL: discord.apiUrl },
    config: {
      gateway: { mode: "local", port },
      models: { providers: { fake: { baseUrl: model.url, api: "openai-completions", apiKey: "test-key" } } },
      agents: { defaults: { model: "fake/test-model", thinking: "off" } },
      channels: { discord: { token: discord.token, stallSeconds: 3, ...discordConfig } },
    },
  });
  try {
    await fn(gw, discord);
  } finally {
    await gw.stop();
    await discord.close();
    gw.home.cleanup();
  }
}

async function waitForState(gw: RunningGateway, state: string, timeoutMs = 15_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    const r = await gw.home.run(["channels", "status", "--json", "--channel", "discord"]);
    last = r.stdout;
    const account = (JSON.parse(r.stdout) as { channelAccounts?: { discord?: Record<string, unknown>[] } })
      .channelAccounts?.discord?.[0];
    if (account?.state === state) return account;
    await new Promise((r2) => setTimeout(r2, 150));
  }
  throw new Error(`discord never reached ${state}: ${last}`);
}

const postsTo = (discord: FakeDiscord, channelId: string) =>
  discord.posts.filter((p) => p.channelId === channelId).map((p) => p.content);
const until = async (predicate: () => boolean, what: string, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

test("discord: DM pairing, guild mention gating and channel allowlists, 2000-character and 17-line chunks", async () => {
  await withDiscord(
    async (gw, discord) => {
      await waitForState(gw, "connected");
      discord.dm("4242", "hello");
      await until(() => postsTo(discord, "dm4242").length === 1, "the pairing reply");
      const code = /Pairing code: ([A-HJ-NP-Z2-9]{8})/.exec(postsTo(discord, "dm4242")[0]!)?.[1];
      assert.ok(code, postsTo(discord, "dm4242")[0]);
      const approved = await gw.home.run(["pairing", "approve", "discord", code!]);
      assert.equal(approved.code, 0, approved.stderr);
      assert.match(approved.stdout, /Approved discord sender 4242\./);
      discord.dm("4242", "Reply with: paired on discord");
      await until(() => postsTo(discord, "dm4242").includes("paired on discord"), "the agent's answer");
      assert.ok(discord.typing() > 0, "typing while the turn runs");

      // Guild 77 admits channel 700 only, with a mention.
      discord.guildMessage("77", "701", "4242", "Reply with: wrong channel", true);
      discord.guildMessage("77", "700", "4242", "Reply with: not mentioned", false);
      discord.guildMessage("88", "800", "4242", "Reply with: unlisted guild", true);
      discord.guildMessage("77", "700", "4242", "Reply with: in the guild", true);
      await until(() => postsTo(discord, "700").includes("in the guild"), "the guild answer");
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(postsTo(discord, "700"), ["in the guild"]);
      assert.deepEqual(postsTo(discord, "701"), []);
      assert.deepEqual(postsTo(discord, "800"), []);
      assert.ok(discord.posts.find((p) => p.channelId === "700")?.reference, "guild replies reference the message");

      const lines = Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n");
      discord.guildMessage("77", "700", "4242", `Reply with: ${"x".repeat(4500)}`, true);
      await until(() => postsTo(discord, "700").length >= 4, "a long answer in chunks");
      const long = postsTo(discord, "700").slice(1);
      assert.ok(long.every((p) => p.length <= 2000));
      assert.equal(long.join(""), "x".repeat(4500));
      const sent = await gw.home.run([
        "message",
        "send",
        "--channel",
        "discord",
        "--target",
        "dm4242",
        "--message",
        lines,
      ]);
      assert.equal(sent.code, 0, sent.stderr);
      await until(() => postsTo(discord, "dm4242").some((p) => p.includes("line 39")), "a many-line message");
      const multi = postsTo(discord, "dm4242").filter((p) => /line \d+/.test(p));
      assert.ok(multi.length >= 3 && multi.every((p) => p.split("\n").length <= 17), "17 lines per message at most");
      assert.equal(multi.join("\n"), lines, "in order, nothing lost");
    },
    { guilds: { "77": { requireMention: true, channels: ["700"] } } },
  );
});

test("discord: a zombie connection is shown as disconnected and comes back; a dropped socket reconnects", async () => {
  await withDiscord(
    async (gw, discord) => {
      await waitForState(gw, "connected");
      discord.zombie(true);
      const zombie = await waitForState(gw, "disconnected", 20_000);
      assert.match(String(zombie.lastError), /zombie|heartbeat|closed/i);
      discord.zombie(false);
      await waitForState(gw, "connected", 20_000);
      discord.drop();
      await waitForState(gw, "connected", 20_000);
      discord.dm("5", "Reply with: still here");
      await until(() => postsTo(discord, "dm5").includes("still here"), "an answer after reconnecting");
    },
    { dmPolicy: "open", allowFrom: ["*"] },
    { heartbeatMs: 500 },
  );
});

test("discord: a refused token and a missing Message Content intent are errors with the fix; the gateway stays up", async () => {
  const discord = await startFakeDiscord({ messageContentAllowed: false });
  const port = await freePort();
  const gw = await startGateway({
    port,
    env: { DISCORD_API_URL: discord.apiUrl },
    config: {
      gateway: { mode: "local", port },
      channels: {
        discord: { token: discord.token },
      },
    },
  });
  try {
    const intent = await waitForState(gw, "error");
    assert.match(String(intent.lastError), /Message Content intent/);
    assert.match(String(intent.lastError), /Privileged Gateway Intents/);
    const issues = JSON.parse((await gw.home.run(["channels", "status", "--json"])).stdout) as {
      statusIssues: { channel: string; kind: string; message: string }[];
    };
    assert.deepEqual(
      issues.statusIssues.map((i) => [i.channel, i.kind]),
      [["discord", "intent"]],
      "the missing intent is a status issue, not silence",
    );
    assert.equal(gw.proc.exitCode, null);
    assert.equal((await gw.home.run(["config", "set", "channels.discord.token", "MWRONG.token"])).code, 0);
    // A wrong token: the account restarts with it and says so.
    const deadline = Date.now() + 10_000;
    let last = intent;
    while (!/refused the bot token/.test(String(last.lastError)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      last = await waitForState(gw, "error");
    }
    assert.match(String(last.lastError), /refused the bot token/);
  } finally {
    await gw.stop();
    await discord.close();
    gw.home.cleanup();
  }
});
