// Channel benchmarks, on loopback: (1) Telegram round trip, from an update appearing at a fake Bot API
// server to the reply's sendMessage arriving there, minus the fake model's own time; (2) gateway cold start
// to /readyz and RSS with one Telegram account configured, beside the same gateway without channels.
// Writes the tables into docs/PERFORMANCE.md. Usage: npm run bench:channels [-- --messages 200]
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { bin, numericArg, startBenchModel, writeSection } from "./common.mjs";

const arg = numericArg;
const MESSAGES = Math.min(2000, Math.max(20, arg("--messages", 200)));
const COLD_RUNS = 10;
const GATEWAY_NODE_FLAGS = ["--max-semi-space-size=4"]; // as the service definitions run it
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const q = (xs, p) => xs.toSorted((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const rssOf = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) * 1024;
const listen = (server) => new Promise((r) => server.listen(0, "127.0.0.1", () => r(server.address().port)));

// The model: a short streamed answer; it records how long it spent on each request.
const model = await startBenchModel();
const modelTimes = model.times;

// The Bot API: getMe, deleteWebhook, long-poll getUpdates, sendChatAction, sendMessage (timestamped).
const token = "123456:BENCH-token-for-the-fake-bot-api";
const updates = [];
let waiting;
let nextUpdate = 1;
const replies = new Map();
function answer(res, result) {
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end(JSON.stringify({ ok: true, result }));
}
const bot = createServer((req, res) => {
  let body = "";
  const ok = (result) => answer(res, result);
  req.on("data", (d) => (body += d));
  req.on("end", () => {
    const method = /\/bot[^/]+\/(\w+)$/.exec(req.url)?.[1];
    const payload = body ? JSON.parse(body) : {};
    if (method === "getMe") return ok({ id: 1, is_bot: true, first_name: "Bench", username: "bench_bot" });
    if (method === "getUpdates") {
      const ready = updates.filter((u) => u.update_id >= (payload.offset ?? 0));
      if (ready.length || !payload.timeout) return ok(ready);
      waiting = {
        offset: payload.offset ?? 0,
        ok,
        timer: setTimeout(() => ((waiting = undefined), ok([])), payload.timeout * 1000),
      };
      return;
    }
    if (method === "sendMessage") {
      replies.get(Number(payload.chat_id))?.(process.hrtime.bigint());
      return ok({ message_id: 1, date: 0, chat: { id: payload.chat_id, type: "private" }, text: payload.text });
    }
    return ok(true);
  });
});
const botPort = await listen(bot);
function push(chatId, text) {
  const update = {
    update_id: nextUpdate++,
    message: {
      message_id: nextUpdate,
      date: 0,
      chat: { id: chatId, type: "private" },
      from: { id: chatId, is_bot: false, first_name: "U" },
      text,
    },
  };
  updates.push(update);
  if (waiting) {
    clearTimeout(waiting.timer);
    const w = waiting;
    waiting = undefined;
    w.ok(updates.filter((u) => u.update_id >= w.offset));
  }
}

// WhatsApp: Baileys' socket replaced by the tests' fake (its protocol cannot be faked on the wire), an
// account already linked; every socket the gateway opens is opened at once. Baileys itself is still
// loaded (the credential store uses it), so its memory counts.
const { FAKE_SOCKET_MODULE, startWhatsAppControl } = await import("../test/e2e/fake-whatsapp.ts");
const whatsapp = await startWhatsAppControl();
const opened = new Set();
const opener = setInterval(() => {
  for (const s of whatsapp.sockets)
    if (!opened.has(s) && !s.ended) {
      opened.add(s);
      s.open();
    }
}, 5);

// Discord: the fake from the tests (REST + gateway WebSocket), loaded through tsx.
const { startFakeDiscord } = await import("../src/channels/discord/fake-discord.test-utils.ts");
const discord = await startFakeDiscord({ heartbeatMs: 30_000 });
const discordReplies = new Map();
const pushPost = discord.posts.push.bind(discord.posts);
discord.posts.push = (...posts) => {
  for (const post of posts) discordReplies.get(post.channelId)?.(process.hrtime.bigint());
  return pushPost(...posts);
};

function home(kind) {
  const dir = mkdtempSync(join(tmpdir(), "oc-bench-ch-"));
  mkdirSync(join(dir, ".openclaw"), { recursive: true, mode: 0o700 });
  writeFileSync(
    join(dir, ".openclaw", "openclaw.json"),
    JSON.stringify({
      gateway: { mode: "local", auth: { token: randomBytes(32).toString("hex") } },
      models: {
        providers: { bench: { baseUrl: model.url, api: "openai-completions", apiKey: "k" } },
      },
      agents: { defaults: { model: "bench/m", thinking: "off" } },
      // A session per sender, so every turn does the same work (as bench:agent's fresh sessions).
      session: { dmScope: "per-peer" },
      channels: {
        ...(kind !== "none"
          ? {
              telegram: { botToken: token, apiRoot: `http://127.0.0.1:${botPort}`, dmPolicy: "open", allowFrom: ["*"] },
            }
          : {}),
        ...(kind === "all" ? { discord: { token: discord.token, dmPolicy: "open", allowFrom: ["*"] } } : {}),
        ...(kind === "all" ? { whatsapp: { dmPolicy: "open", allowFrom: ["*"] } } : {}),
      },
    }),
    { mode: 0o600 },
  );
  if (kind === "all") {
    const creds = join(dir, ".openclaw", "credentials", "whatsapp", "default");
    mkdirSync(creds, { recursive: true, mode: 0o700 });
    writeFileSync(join(creds, "creds.json"), JSON.stringify({ me: { id: "15550009999:1@s.whatsapp.net" } }), {
      mode: 0o600,
    });
  }
  return dir;
}

async function start(dir) {
  const probe = createServer();
  const port = await listen(probe);
  await new Promise((r) => probe.close(r));
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, bin, "gateway", "--port", String(port)], {
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      DISCORD_API_URL: discord.apiUrl,
      OPENCLAW_WHATSAPP_SOCKET_MODULE: FAKE_SOCKET_MODULE,
      OPENCLAW_FAKE_WHATSAPP_CONTROL: whatsapp.url,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr.resume();
  for (let i = 0; i < 5000; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      await res.arrayBuffer();
      if (res.status === 200) return { child, port, readyMs: Number(process.hrtime.bigint() - started) / 1e6 };
    } catch {
      // not listening yet
    }
    await sleep(2);
  }
  throw new Error("the gateway did not become ready");
}
const stop = (s) => new Promise((r) => (s.child.once("exit", r), s.child.kill("SIGTERM")));

console.log("cold start and RSS: no channels, Telegram, all three ...");
const cold = { none: [], telegram: [], all: [] };
const rss = { none: [], telegram: [], all: [] };
for (let i = 0; i < COLD_RUNS; i++) {
  for (const kind of ["none", "telegram", "all"]) {
    const dir = home(kind);
    const s = await start(dir);
    cold[kind].push(s.readyMs);
    await sleep(1500); // the channel connects after ready; its library is loaded by then
    rss[kind].push(rssOf(s.child.pid));
    await stop(s);
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`round trips over ${MESSAGES} messages each ...`);
const dir = home("all");
const gw = await start(dir);
await sleep(2500);
const trips = [];
const modelShare = [];
for (let i = 0; i < MESSAGES + 20; i++) {
  const chatId = 10_000 + i;
  const answered = new Promise((resolve) => replies.set(chatId, resolve));
  const before = modelTimes.length;
  const t0 = process.hrtime.bigint();
  push(chatId, `hello ${i}`);
  const t1 = await answered;
  if (i < 20) continue; // warm-up
  trips.push(Number(t1 - t0) / 1e6);
  modelShare.push(modelTimes.slice(before).reduce((a, b) => a + b, 0));
}
const discordTrips = [];
const discordModel = [];
for (let i = 0; i < MESSAGES + 20; i++) {
  const user = String(20_000 + i);
  const answered = new Promise((resolve) => discordReplies.set(`dm${user}`, resolve));
  const before = modelTimes.length;
  const t0 = process.hrtime.bigint();
  discord.dm(user, `hello ${i}`);
  const t1 = await answered;
  if (i < 20) continue;
  discordTrips.push(Number(t1 - t0) / 1e6);
  discordModel.push(modelTimes.slice(before).reduce((a, b) => a + b, 0));
}
await stop(gw);
rmSync(dir, { recursive: true, force: true });
model.close();
bot.close();
await discord.close();
clearInterval(opener);
await whatsapp.close();

const added = trips.map((t, i) => t - modelShare[i]);
const discordAdded = discordTrips.map((t, i) => t - discordModel[i]);
const median = (xs) => q(xs, 0.5);
const mb = (b) => (b / 1048576).toFixed(1);
const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}, Node ${process.versions.node}; gateway with its service flags (\`${GATEWAY_NODE_FLAGS.join(" ")}\`), loopback only, a fake Bot API server and a fake model.`,
  "",
  "| Telegram round trip (update at the Bot API → reply's sendMessage) | p50 (ms) | p99 (ms) |",
  "|---|---:|---:|",
  `| whole round trip (${MESSAGES} messages, a session per sender) | ${q(trips, 0.5).toFixed(2)} | ${q(trips, 0.99).toFixed(2)} |`,
  `| the fake model's own time | ${q(modelShare, 0.5).toFixed(2)} | ${q(modelShare, 0.99).toFixed(2)} |`,
  `| added by the gateway | ${q(added, 0.5).toFixed(2)} | ${q(added, 0.99).toFixed(2)} |`,
  "",
  `Goal: under 20 ms added at p50: ${q(added, 0.5) < 20 ? "met" : "missed"}.`,
  "",
  "| Discord round trip (MESSAGE_CREATE on the gateway socket → the reply's POST) | p50 (ms) | p99 (ms) |",
  "|---|---:|---:|",
  `| whole round trip (${MESSAGES} messages, a session per sender) | ${q(discordTrips, 0.5).toFixed(2)} | ${q(discordTrips, 0.99).toFixed(2)} |`,
  `| the fake model's own time | ${q(discordModel, 0.5).toFixed(2)} | ${q(discordModel, 0.99).toFixed(2)} |`,
  `| added by the gateway | ${q(discordAdded, 0.5).toFixed(2)} | ${q(discordAdded, 0.99).toFixed(2)} |`,
  "",
  `Goal: under 20 ms added at p50: ${q(discordAdded, 0.5) < 20 ? "met" : "missed"}.`,
  "",
  `| gateway, median of ${COLD_RUNS} | no channels | Telegram | Telegram + Discord + WhatsApp | goal |`,
  "|---|---:|---:|---:|---|",
  `| cold start to /readyz 200 (ms) | ${median(cold.none).toFixed(1)} | ${median(cold.telegram).toFixed(1)} | ${median(cold.all).toFixed(1)} | within 5 % (libraries load after ready): ${median(cold.all) <= median(cold.none) * 1.05 ? "met" : "missed"} |`,
  `| RSS 1.5 s after ready (MB) | ${mb(median(rss.none))} | ${mb(median(rss.telegram))} (+${mb(median(rss.telegram) - median(rss.none))}) | ${mb(median(rss.all))} (+${mb(median(rss.all) - median(rss.none))}) | Telegram under 15 MB more: ${median(rss.telegram) - median(rss.none) < 15 * 1048576 ? "met" : "missed"}; all three under 40 MB more: ${median(rss.all) - median(rss.none) < 40 * 1048576 ? "met" : "missed"} |`,
].join("\n");
console.log(table);

writeSection("channels", "Channels (`npm run bench:channels`)", table);
