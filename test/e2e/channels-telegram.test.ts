/**
 * Telegram end to end through the built binary: a fake Bot API server on loopback (through
 * `channels.telegram.apiRoot`) and the fake model server. Issue 11.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { startFakeModelServer, type FakeModelServer } from "./fake-model-server.js";
import { startFakeTelegram, type FakeTelegram } from "../../src/channels/telegram/fake-bot-api.test-utils.js";
import { freePort, startGateway, type RunningGateway } from "./gateway-harness.js";

let model: FakeModelServer;
before(async () => {
  model = await startFakeModelServer();
});
after(async () => {
  await model.close();
});

function configFor(port: number, telegram: FakeTelegram, extra: Record<string, unknown> = {}) {
  return {
    gateway: { mode: "local", port },
    models: { providers: { fake: { baseUrl: model.url, api: "openai-completions", apiKey: "test-key" } } },
    agents: { defaults: { model: "fake/test-model", thinking: "off" } },
    channels: {
      telegram: { botToken: telegram.token, apiRoot: telegram.url, pollTimeoutSeconds: 1, ...extra },
    },
  };
}

async function withTelegram(
  fn: (gw: RunningGateway, telegram: FakeTelegram) => Promise<void>,
  extra: Record<string, unknown> = {},
  env: Record<string, string> = {},
): Promise<void> {
  const telegram = await startFakeTelegram();
  const port = await freePort();
  const gw = await startGateway({ port, config: configFor(port, telegram, extra), env });
  try {
    await fn(gw, telegram);
  } finally {
    await gw.stop();
    await telegram.close();
    gw.home.cleanup();
  }
}

async function channelsStatus(gw: RunningGateway, args: string[] = []): Promise<Record<string, unknown>> {
  const r = await gw.home.run(["channels", "status", "--json", ...args]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

async function waitForState(gw: RunningGateway, state: string, timeoutMs = 15_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  let last: Record<string, unknown> = {};
  while (Date.now() < deadline) {
    last = await channelsStatus(gw);
    const account = (last.channelAccounts as Record<string, Record<string, unknown>[]> | undefined)?.telegram?.[0];
    if (account?.state === state) return account;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`telegram never reached ${state}: ${JSON.stringify(last)}`);
}

const textsTo = (telegram: FakeTelegram, chatId: number) =>
  telegram
    .sent("sendMessage")
    .filter((c) => Number(c.payload.chat_id) === chatId)
    .map((c) => String(c.payload.text));

test("pairing: an unknown sender gets a code and is not answered; after approval the agent replies", async () => {
  await withTelegram(async (gw, telegram) => {
    await waitForState(gw, "connected");
    const requestsBefore = model.requests.length;
    telegram.push({ chatId: 424242, fromId: 424242, text: "hello there" });
    await telegram.waitFor(() => textsTo(telegram, 424242).length === 1);
    const pairingText = textsTo(telegram, 424242)[0]!;
    const code = /Pairing code: ([A-HJ-NP-Z2-9]{8})/.exec(pairingText)?.[1];
    assert.ok(code, pairingText);
    assert.match(pairingText, /openclaw pairing approve telegram [A-Z0-9]{8}/);
    assert.match(pairingText, /424242/);

    const listed = await gw.home.run(["pairing", "list", "--json"]);
    assert.equal(listed.code, 0, listed.stderr);
    const list = JSON.parse(listed.stdout) as {
      channel: string;
      requests: { id: string; code: string; meta: Record<string, string> }[];
    };
    assert.equal(list.channel, "telegram");
    assert.equal(list.requests[0]!.id, "424242");
    assert.equal(list.requests[0]!.code, code);
    assert.equal(list.requests[0]!.meta.accountId, "default");
    assert.equal(readFileSync(join(gw.stateDir, "credentials", "telegram-pairing.json"), "utf8").includes(code!), true);

    // A second message while the request is pending: no new reply, no model call.
    telegram.push({ chatId: 424242, fromId: 424242, text: "anyone?" });
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(textsTo(telegram, 424242).length, 1);
    assert.equal(model.requests.length, requestsBefore, "an unpaired sender never reaches the model");

    const approved = await gw.home.run(["pairing", "approve", "telegram", code!.toLowerCase()]);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /Approved telegram sender 424242\./);
    assert.deepEqual(
      JSON.parse(readFileSync(join(gw.stateDir, "credentials", "telegram-allowFrom.json"), "utf8")).allowFrom,
      ["424242"],
    );

    telegram.push({ chatId: 424242, fromId: 424242, text: "Reply with: paired and answered" });
    await telegram.waitFor(() => textsTo(telegram, 424242).includes("paired and answered"));
    assert.ok(telegram.sent("sendChatAction").some((c) => c.payload.action === "typing"));

    // The DM landed in the main session, and the transcript says where it came from and where the reply went.
    const file = join(gw.stateDir, "agents", "default", "sessions", "main.jsonl");
    // The delivery is recorded once Telegram has confirmed the send: give it a moment.
    for (let i = 0; i < 100 && !readFileSync(file, "utf8").includes('"type":"delivery"'); i++)
      await new Promise((r) => setTimeout(r, 20));
    const transcript = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const user = transcript.find(
      (e) =>
        e.type === "message" &&
        JSON.stringify(e).includes("paired and answered") &&
        (e.message as { role: string }).role === "user",
    ) as { message: { origin: Record<string, unknown> } } | undefined;
    assert.deepEqual(user?.message.origin, {
      channel: "telegram",
      accountId: "default",
      chatType: "direct",
      from: "telegram:424242",
      to: "telegram:424242",
      senderName: "User424242",
      messageId: user?.message.origin.messageId,
    });
    const delivery = transcript.find((e) => e.type === "delivery") as Record<string, unknown> | undefined;
    assert.equal(delivery?.ok, true);
    assert.equal(delivery?.to, "telegram:424242");
  });
});

test("allowlist and open policies, and mention gating in groups", async () => {
  await withTelegram(
    async (gw, telegram) => {
      await waitForState(gw, "connected");
      telegram.push({ chatId: 111, fromId: 111, text: "Reply with: allowed one" });
      await telegram.waitFor(() => textsTo(telegram, 111).includes("allowed one"));
      telegram.push({ chatId: 222, fromId: 222, text: "Reply with: stranger" });
      // Not in the group allowlist, not mentioned, then mentioned in an allowed group.
      telegram.push({ chatId: -100777, fromId: 111, chatType: "supergroup", text: "Reply with: unlisted group" });
      telegram.push({ chatId: -100555, fromId: 111, chatType: "supergroup", text: "Reply with: not mentioned" });
      telegram.push({
        chatId: -100555,
        fromId: 111,
        chatType: "supergroup",
        text: "Reply with: mentioned",
        mentionBot: true,
      });
      await telegram.waitFor(() => textsTo(telegram, -100555).includes("mentioned"));
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(textsTo(telegram, 222), [], "allowlist: no pairing code, no answer");
      assert.deepEqual(textsTo(telegram, -100777), []);
      assert.deepEqual(textsTo(telegram, -100555), ["mentioned"]);
      const reply = telegram.sent("sendMessage").find((c) => Number(c.payload.chat_id) === -100555)!;
      assert.ok(
        (reply.payload.reply_parameters as { message_id: number }).message_id > 0,
        "group replies quote the message",
      );

      // Open to everyone: refused without "*", then applied by a reload to the next message, without reconnecting.
      const connects = telegram.sent("getMe").length;
      const refused = await gw.home.run(["config", "set", "channels.telegram.dmPolicy", "open"]);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /"open" needs "\*" in allowFrom/);
      assert.equal((await gw.home.run(["config", "set", "channels.telegram.allowFrom", '["*"]'])).code, 0);
      assert.equal((await gw.home.run(["config", "set", "channels.telegram.dmPolicy", "open"])).code, 0);
      await new Promise((r) => setTimeout(r, 800));
      telegram.push({ chatId: 333, fromId: 333, text: "Reply with: open door" });
      await telegram.waitFor(() => textsTo(telegram, 333).includes("open door"));
      assert.equal(telegram.sent("getMe").length, connects, "a policy change does not restart the account");
    },
    { dmPolicy: "allowlist", allowFrom: [111], groups: { "-100555": { requireMention: true } } },
  );
});

test("a long reply arrives in order as chunks; rejected markup is sent again as plain text; failed sends are retried", async () => {
  await withTelegram(
    async (gw, telegram) => {
      await waitForState(gw, "connected");
      const long = Array.from({ length: 1667 }, (_, i) => `w${i % 10}xyz`).join(" ");
      assert.ok(long.length >= 10_000);
      telegram.push({ chatId: 5, fromId: 5, text: `Reply with: ${long}` });
      await telegram.waitFor(() => textsTo(telegram, 5).length >= 3, 20_000);
      const chunks = textsTo(telegram, 5);
      assert.equal(chunks.length, 3);
      assert.ok(chunks.every((c) => c.length <= 4000));
      assert.equal(chunks.join(" "), long, "in order, nothing lost");

      telegram.push({ chatId: 5, fromId: 5, text: "Reply with: **bold** [reject-markup]" });
      await telegram.waitFor(() => textsTo(telegram, 5).includes("**bold** [reject-markup]"));
      const attempts = telegram.sent("sendMessage").filter((c) => String(c.payload.text).includes("[reject-markup]"));
      assert.equal(attempts[0]!.payload.parse_mode, "HTML");
      assert.equal(attempts[0]!.payload.text, "<b>bold</b> [reject-markup]");
      assert.equal(attempts.at(-1)!.payload.parse_mode, undefined, "then plain text");

      // A failed turn: the chat gets a short apology without the provider's internals; the log has them.
      telegram.push({ chatId: 5, fromId: 5, text: "this one fails [status:402]" });
      await telegram.waitFor(() => textsTo(telegram, 5).some((t) => t.startsWith("Sorry, I could not answer")));
      assert.ok(!textsTo(telegram, 5).some((t) => /402|billing|quota/i.test(t)), "no provider details in the chat");
      await gw.waitForOutput(/channel turn failed/);

      telegram.failSends(2);
      telegram.push({ chatId: 5, fromId: 5, text: "Reply with: after two failures" });
      await telegram.waitFor(() => textsTo(telegram, 5).includes("after two failures"), 20_000);
    },
    { dmPolicy: "open", allowFrom: ["*"] },
  );
});

test("a wrong token is an error state with the next step; the gateway stays up and /readyz names the channel", async () => {
  const telegram = await startFakeTelegram();
  const port = await freePort();
  const config = configFor(port, telegram);
  config.channels.telegram.botToken = "999999:WRONG-token-that-the-fake-refuses";
  const gw = await startGateway({ port, config });
  try {
    const account = await waitForState(gw, "error");
    assert.match(String(account.lastError), /401/);
    assert.match(String(account.lastError), /botToken/);
    assert.equal(account.lifecycle, "blocked");
    const ready = await fetch(`${gw.http}/readyz`);
    assert.equal(ready.status, 503);
    assert.deepEqual(((await ready.json()) as { failing: string[] }).failing, ["telegram"]);
    assert.equal((await fetch(`${gw.http}/healthz`)).status, 200);
    const text = await gw.home.run(["channels", "status"]);
    assert.match(text.stdout, /- Telegram default: enabled, configured, stopped, error/);
    assert.match(text.stdout, /error: Telegram bot token unauthorized/);
    assert.equal(gw.proc.exitCode, null);
    const status = await gw.home.run(["status"]);
    assert.match(status.stdout, /^Channels: telegram \(error\)$/m);
    assert.match(status.stdout, /telegram: Telegram bot token unauthorized/);
    const health = JSON.parse((await gw.home.run(["health", "--json"])).stdout) as {
      channels: { telegram: { state: string } };
    };
    assert.equal(health.channels.telegram.state, "error");
  } finally {
    await gw.stop();
    await telegram.close();
    gw.home.cleanup();
  }
});

test("another poller (409) is an error while it lasts; the fake going away and coming back reconnects", async () => {
  await withTelegram(
    async (gw, telegram) => {
      await waitForState(gw, "connected");
      // A rogue poller on the same token, as a second gateway would be.
      const rogue = { on: true };
      const loop = (async () => {
        while (rogue.on) {
          await fetch(`${telegram.url}/bot${telegram.token}/getUpdates`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ timeout: 1 }),
          }).catch(() => undefined);
        }
      })();
      const conflicted = await waitForState(gw, "error");
      assert.match(String(conflicted.lastError), /409 Conflict: another poller/);
      rogue.on = false;
      await loop;
      await waitForState(gw, "connected", 20_000);

      await telegram.stop();
      const down = await waitForState(gw, "disconnected", 20_000);
      assert.match(String(down.lastError), /cannot reach the Bot API|stalled/);
      await telegram.start();
      await waitForState(gw, "connected", 30_000);
      telegram.push({ chatId: 9, fromId: 9, text: "Reply with: back again" });
      await telegram.waitFor(() => textsTo(telegram, 9).includes("back again"));
    },
    { dmPolicy: "open", allowFrom: ["*"], stallSeconds: 3 },
  );
});

test("a redelivered update is not answered twice; messages during a turn are answered in order", async () => {
  await withTelegram(
    async (gw, telegram) => {
      await waitForState(gw, "connected");
      // An operator client sees a channel's turns as ordinary agent and chat events.
      const operator = await gw.client();
      const events: { event: string; payload?: { state?: string; sessionKey?: string } }[] = [];
      operator.onEvent((e) => events.push(e as (typeof events)[number]));
      const update = telegram.push({ chatId: 8, fromId: 8, text: "Reply with: only once" });
      await telegram.waitFor(() => textsTo(telegram, 8).includes("only once"));
      telegram.redeliver(update);
      telegram.push({ chatId: 8, fromId: 8, text: "Reply with: first" });
      telegram.push({ chatId: 8, fromId: 8, text: "Reply with: second" });
      telegram.push({ chatId: 8, fromId: 8, text: "Reply with: third" });
      await telegram.waitFor(() => textsTo(telegram, 8).includes("third"));
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(textsTo(telegram, 8), ["only once", "first", "second", "third"]);
      const finals = events.filter((e) => e.event === "chat" && e.payload?.state === "final");
      assert.equal(finals.length, 4);
      assert.ok(
        finals.every((e) => (e.payload?.sessionKey ?? "").endsWith("main")),
        JSON.stringify(finals[0]),
      );
      assert.ok(events.some((e) => e.event === "agent"));
      await operator.close();
    },
    { dmPolicy: "open", allowFrom: ["*"] },
  );
});

test("SIGTERM stops the long poll within the drain budget; OPENCLAW_SKIP_CHANNELS keeps Telegram off", async () => {
  await withTelegram(
    async (gw) => {
      await waitForState(gw, "connected");
      const started = Date.now();
      const exit = await gw.stop("SIGTERM");
      assert.equal(exit.code, 0);
      assert.ok(Date.now() - started < 5000, `stopped in ${Date.now() - started} ms`);
    },
    { dmPolicy: "open", allowFrom: ["*"], pollTimeoutSeconds: 30 },
  );
  await withTelegram(
    async (gw, telegram) => {
      await new Promise((r) => setTimeout(r, 800));
      assert.equal(telegram.calls.length, 0, "no Bot API call at all");
      const status = await channelsStatus(gw);
      assert.equal(status.skipped, "OPENCLAW_SKIP_CHANNELS=1");
      const account = (status.channelAccounts as Record<string, Record<string, unknown>[]>).telegram![0]!;
      assert.equal(account.configured, false);
      assert.equal(account.running, false);
      assert.equal(account.tokenSource, "none");
      const text = await gw.home.run(["channels", "status"]);
      assert.match(text.stdout, /Channels are off: OPENCLAW_SKIP_CHANNELS=1/);
    },
    { dmPolicy: "open", allowFrom: ["*"] },
    { OPENCLAW_SKIP_CHANNELS: "1" },
  );
});

test("kill -9 during a channel turn loses no transcript line; the next message is answered after a restart", async () => {
  const telegram = await startFakeTelegram();
  const port = await freePort();
  const gw = await startGateway({ port, config: configFor(port, telegram, { dmPolicy: "open", allowFrom: ["*"] }) });
  try {
    await waitForState(gw, "connected");
    telegram.push({ chatId: 4, fromId: 4, text: "Reply with: before" });
    await telegram.waitFor(() => textsTo(telegram, 4).includes("before"));
    telegram.push({ chatId: 4, fromId: 4, text: "tell a long story [slow]" });
    const file = join(gw.stateDir, "agents", "default", "sessions", "main.jsonl");
    const deadline = Date.now() + 10_000;
    while (!readFileSync(file, "utf8").includes("[slow]") && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    gw.proc.kill("SIGKILL");
    await gw.exited();
    const again = await startGateway({ home: gw.home, port });
    try {
      await waitForState(again, "connected");
      telegram.push({ chatId: 4, fromId: 4, text: "Reply with: after" });
      await telegram.waitFor(() => textsTo(telegram, 4).includes("after"));
      const lines = readFileSync(file, "utf8").trim().split("\n");
      for (const line of lines) JSON.parse(line);
      for (const text of ["before", "[slow]", "after"])
        assert.ok(
          lines.some((l) => l.includes(text)),
          text,
        );
      // The offset was kept: the messages before the kill were not fetched and answered again.
      assert.equal(textsTo(telegram, 4).filter((t) => t === "before").length, 1);
    } finally {
      await again.stop();
    }
  } finally {
    await telegram.close();
    gw.home.cleanup();
  }
});

test("channels add, status --probe, message send and remove, with the gateway and without it", async () => {
  const telegram = await startFakeTelegram();
  const port = await freePort();
  const { makeHome } = await import("./harness.js");
  const home = makeHome();
  const env = { OPENCLAW_GATEWAY_PORT: String(port) };
  try {
    assert.equal((await home.run(["config", "set", "gateway.port", String(port)])).code, 0);
    const none = await home.run(["channels", "status"], { env });
    assert.equal(none.code, 0);
    assert.match(none.stderr, /Gateway not reachable .*showing the config only/);
    assert.match(none.stdout, /No channels configured\. Add one: openclaw channels add --channel telegram --token/);
    const bad = await home.run(["channels", "add", "--channel", "telegram", "--token", "not-a-token"], { env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /does not look like a Telegram bot token/);
    const added = await home.run(["channels", "add", "--channel", "telegram", "--token", telegram.token], { env });
    assert.equal(added.code, 0, added.stderr);
    assert.ok(!added.stdout.includes(telegram.token), "the token is not printed");
    assert.equal((await home.run(["config", "set", "channels.telegram.apiRoot", telegram.url], { env })).code, 0);
    const offline = await home.run(["channels", "status"], { env });
    assert.match(offline.stdout, /- Telegram default: enabled, configured, stopped, stopped/);

    const gw = await startGateway({ home, port });
    try {
      await waitForState(gw, "connected");
      const probed = await home.run(["channels", "status", "--probe"], { env });
      assert.match(
        probed.stdout,
        /- Telegram default: enabled, configured, running, connected, .*mode:polling, bot:@claw_test_bot, token:config \(\*\*\*\), works/,
      );
      const json = JSON.parse((await home.run(["channels", "status", "--probe", "--json"], { env })).stdout) as {
        channelAccounts: { telegram: { probe: { ok: boolean; bot: { username: string } } }[] };
      };
      assert.equal(json.channelAccounts.telegram[0]!.probe.ok, true);
      assert.equal(json.channelAccounts.telegram[0]!.probe.bot.username, "claw_test_bot");

      const sent = await home.run(
        ["message", "send", "--channel", "telegram", "--target", "77", "--message", "hi **there**", "--json"],
        { env },
      );
      assert.equal(sent.code, 0, sent.stderr);
      assert.equal((JSON.parse(sent.stdout) as { ok: boolean }).ok, true);
      assert.ok(
        telegram
          .sent("sendMessage")
          .some((c) => Number(c.payload.chat_id) === 77 && c.payload.text === "hi <b>there</b>"),
      );
      const nowhere = await home.run(
        ["message", "send", "--channel", "telegram", "--target", "77", "--message", "x", "--account", "nope"],
        { env },
      );
      assert.equal(nowhere.code, 1);
      assert.match(nowhere.stderr, /telegram has no account "nope"/);

      const removed = await home.run(["channels", "remove", "--channel", "telegram"], { env });
      assert.equal(removed.code, 0, removed.stderr);
      await waitForState(gw, "stopped");
      const disabled = await home.run(["channels", "status"], { env });
      assert.match(disabled.stdout, /- Telegram default: disabled/);
    } finally {
      await gw.stop();
    }
  } finally {
    await telegram.close();
    home.cleanup();
  }
});

test("webhook mode: the webhook is set with its secret, posts with the secret are answered, others refused; failed deliveries show", async () => {
  const hookPort = await freePort();
  const secret = "s3cret-for-the-webhook_1234567890";
  await withTelegram(
    async (gw, telegram) => {
      const account = await waitForState(gw, "connected");
      assert.equal(account.mode, "webhook");
      assert.deepEqual(telegram.webhook(), { url: `http://127.0.0.1:${hookPort}/telegram-webhook`, secret });
      assert.equal(telegram.sent("getUpdates").length, 0, "no polling in webhook mode");

      assert.equal(await telegram.postToWebhook({ chatId: 12, fromId: 12, text: "Reply with: via webhook" }), 200);
      await telegram.waitFor(() => textsTo(telegram, 12).includes("via webhook"));
      assert.equal(
        await telegram.postToWebhook({ chatId: 13, fromId: 13, text: "Reply with: forged" }, "wrong-secret"),
        401,
      );
      const get = await fetch(`http://127.0.0.1:${hookPort}/telegram-webhook`);
      assert.equal(get.status, 405);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(textsTo(telegram, 13), [], "a post without the secret is not processed");

      // Telegram reports that it cannot reach us: the account says so instead of "connected".
      telegram.failWebhookDeliveries("Connection refused");
      const down = await waitForState(gw, "disconnected", 10_000);
      assert.match(
        String(down.lastError),
        /Telegram cannot deliver to http:\/\/127\.0\.0\.1:\d+\/telegram-webhook: Connection refused/,
      );
    },
    {
      dmPolicy: "open",
      allowFrom: ["*"],
      webhookUrl: `http://127.0.0.1:${hookPort}/telegram-webhook`,
      webhookSecret: secret,
      webhookPort: hookPort,
      stallSeconds: 1,
    },
  );
});

test("a webhook without its secret is refused by the config", async () => {
  const { makeHome } = await import("./harness.js");
  const home = makeHome();
  try {
    const r = await home.run([
      "config",
      "set",
      "channels.telegram",
      '{botToken: "1:x", webhookUrl: "https://bot.example/hook"}',
    ]);
    assert.equal(r.code, 78, r.stderr);
    assert.match(r.stderr, /channels\.telegram: webhookUrl needs webhookSecret/);
  } finally {
    home.cleanup();
  }
});
