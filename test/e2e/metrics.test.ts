/**
 * `GET /metrics` on the built gateway (issue 15): auth, the Prometheus exposition parsed by a parser
 * library, and each series moving when its event happens; `gateway.metrics.enabled: false`;
 * `openclaw status --deep`.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import parsePrometheus from "parse-prometheus-text-format";
import { startFakeTelegram, type FakeTelegram } from "../../src/channels/telegram/fake-bot-api.test-utils.js";
import { startFakeModelServer, type FakeModelServer } from "./fake-model-server.js";
import { freePort, startGateway, type RunningGateway } from "./gateway-harness.js";

interface Family {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; count?: string }[];
}

let model: FakeModelServer;
let telegram: FakeTelegram;
let gw: RunningGateway;
before(async () => {
  [model, telegram] = await Promise.all([startFakeModelServer(), startFakeTelegram()]);
  const port = await freePort();
  gw = await startGateway({
    port,
    config: {
      gateway: { mode: "local", port },
      models: { providers: { fake: { baseUrl: model.url, api: "openai-completions", apiKey: "test-key" } } },
      agents: { defaults: { model: "fake/test-model", thinking: "off" } },
      channels: {
        telegram: {
          botToken: telegram.token,
          apiRoot: telegram.url,
          pollTimeoutSeconds: 1,
          dmPolicy: "open",
          allowFrom: ["*"],
        },
      },
    },
  });
});
after(async () => {
  await gw.stop();
  gw.home.cleanup();
  await model.close();
  await telegram.close();
});

async function scrape(): Promise<Map<string, Family>> {
  const res = await fetch(`${gw.http}/metrics`, { headers: { Authorization: `Bearer ${gw.token()}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  return new Map((parsePrometheus(await res.text()) as Family[]).map((f) => [f.name, f]));
}

function value(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const family = families.get(name);
  const match = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return Number(match?.value ?? match?.count ?? 0);
}

/**
 * The parser flattens a histogram's label sets into one map of buckets (its known limit), so a histogram
 * is checked by its `+Inf` bucket: how many observations it has, of some label set.
 */
function histogramCount(families: Map<string, Family>, name: string): number {
  const family = families.get(name);
  assert.equal(family?.type, "HISTOGRAM", name);
  return Number((family!.metrics[0] as { buckets?: Record<string, string> }).buckets?.["+Inf"] ?? 0);
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("/metrics needs the gateway's secret; the process series are there", async () => {
  assert.equal((await fetch(`${gw.http}/metrics`)).status, 401);
  assert.equal((await fetch(`${gw.http}/metrics`, { headers: { Authorization: "Bearer wrong" } })).status, 401);
  assert.equal((await fetch(`${gw.http}/metrics`, { method: "POST" })).status, 405);
  const m = await scrape();
  assert.ok(value(m, "openclaw_process_resident_memory_bytes") > 10 * 1024 * 1024);
  assert.ok(value(m, "openclaw_nodejs_heap_size_used_bytes") > 0);
  assert.ok(m.has("openclaw_nodejs_eventloop_lag_p99_seconds"));
  assert.ok(value(m, "openclaw_uptime_seconds") > 0);
  for (const family of m.values()) assert.match(family.name, /^openclaw_/);
});

test("RPC, auth failures, connections and config reloads move with their events", async () => {
  const initial = await scrape();
  const client = await gw.client();
  try {
    await client.call("health");
    await assert.rejects(client.call("no.such.method"));
    const during = await scrape();
    assert.ok(value(during, "openclaw_websocket_connections", { role: "operator" }) >= 1);
    assert.equal(
      value(during, "openclaw_rpc_requests_total", { method: "health", code: "ok" }),
      value(initial, "openclaw_rpc_requests_total", { method: "health", code: "ok" }) + 1,
    );
    assert.equal(value(during, "openclaw_rpc_requests_total", { method: "(unknown)" }), 1);
    assert.ok(histogramCount(during, "openclaw_rpc_duration_seconds") >= 1);
  } finally {
    await client.close();
  }
  // A wrong token, once: counted by reason (and not enough to lock anyone out).
  await assert.rejects(gw.client({ token: "wrong" }));
  const afterAuth = await scrape();
  const failures = afterAuth.get("openclaw_auth_failures_total")?.metrics ?? [];
  assert.equal(
    failures.reduce((n, f) => n + Number(f.value), 0),
    1,
    JSON.stringify(failures),
  );
  assert.equal(value(afterAuth, "openclaw_auth_lockouts_active"), 0);

  const set = await gw.home.run(["config", "set", "logging.level", "debug"], {
    env: { OPENCLAW_GATEWAY_PORT: String(gw.port) },
  });
  assert.equal(set.code, 0, set.stderr);
  await until(
    "a reload",
    async () => value(await scrape(), "openclaw_config_reloads_total", { outcome: "applied" }) >= 1,
  );
});

test("agent runs, tokens and model errors by class; channel state and messages", async () => {
  const client = await gw.client();
  try {
    await client.call("chat.send", { sessionKey: "main", message: "Reply with: counted", idempotencyKey: "m-1" });
    await until("a run", async () => value(await scrape(), "openclaw_agent_runs_total", { outcome: "ok" }) >= 1);
    await client.call("chat.send", { sessionKey: "other", message: "[status:402] pay up", idempotencyKey: "m-2" });
    await until(
      "a billing error",
      async () => value(await scrape(), "openclaw_model_errors_total", { kind: "billing" }) >= 1,
    );
  } finally {
    await client.close();
  }
  const m = await scrape();
  assert.ok(value(m, "openclaw_agent_tokens_total", { direction: "output" }) > 0);
  assert.ok(histogramCount(m, "openclaw_agent_run_duration_seconds") >= 1);
  assert.equal(value(m, "openclaw_agent_runs_total", { outcome: "error" }), 1);

  await until(
    "telegram connected",
    async () =>
      value(await scrape(), "openclaw_channel_state", {
        channel: "telegram",
        account: "default",
        state: "connected",
      }) === 1,
  );
  telegram.push({ chatId: 777, fromId: 777, text: "Reply with: via telegram" });
  await until("a telegram reply", async () => {
    const s = await scrape();
    return value(s, "openclaw_channel_messages_total", { channel: "telegram", direction: "outbound" }) >= 1;
  });
  const latest = await scrape();
  assert.equal(value(latest, "openclaw_channel_messages_total", { channel: "telegram", direction: "inbound" }), 1);
  assert.equal(value(latest, "openclaw_channel_state", { channel: "telegram", state: "error" }), 0);

  const deep = await gw.home.run(["status", "--deep"], { env: { OPENCLAW_GATEWAY_PORT: String(gw.port) } });
  assert.equal(deep.code, 0, deep.stderr);
  assert.match(deep.stdout, /Memory: {3}RSS \d+\.\d MB, heap used/);
  // Two runs: the chat.send above and the Telegram message.
  assert.match(deep.stdout, /Runs: {5}ok 2, error 1; tokens input \d+, output \d+/);
  assert.match(deep.stdout, /Model: {4}errors billing 1/);
  assert.match(deep.stdout, /Channel: {2}telegram default connected, in 1, out 1, undelivered 0/);
});

test("the dashboard and the alert rules in docs/ use only series the gateway serves", async () => {
  const served = new Set((await scrape()).keys());
  const docs = fileURLToPath(new URL("../../docs/", import.meta.url));
  const used = new Set(
    [readFileSync(`${docs}grafana-dashboard.json`, "utf8"), readFileSync(`${docs}monitoring.md`, "utf8")]
      .flatMap((text) => text.match(/openclaw_[a-z0-9_]+/g) ?? [])
      .map((name) => name.replace(/_(bucket|sum|count)$/, ""))
      // monitoring.md's table abbreviates a family of names; the rest must be exact.
      .filter((name) => !name.endsWith("_")),
  );
  for (const name of used) assert.ok(served.has(name), `${name} is in docs/ but not served`);
  assert.ok(used.size >= 15, `only ${used.size} series named in docs/`);
});

test("gateway.metrics.enabled: false answers 404", async () => {
  const port = await freePort();
  const off = await startGateway({ port, config: { gateway: { mode: "local", port, metrics: { enabled: false } } } });
  try {
    const res = await fetch(`${off.http}/metrics`, { headers: { Authorization: `Bearer ${off.token()}` } });
    assert.equal(res.status, 404);
  } finally {
    await off.stop();
    off.home.cleanup();
  }
});
