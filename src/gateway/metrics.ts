/**
 * Metrics: what happened (counters and histograms the gateway records as it runs, in plain maps, costing
 * a map update per event) and what is (gauges read from the runtime at scrape time). `GET /metrics`
 * renders them in Prometheus' text format through prom-client, which is imported on the first scrape
 * only: a gateway nobody scrapes never loads it.
 * @module
 */
import type { GatewayRuntime } from "./runtime.js";

type Labels = Readonly<Record<string, string>>;

interface Series {
  labels: Labels;
  value: number;
}
interface HistogramSeries {
  labels: Labels;
  counts: number[];
  sum: number;
  count: number;
}

/** Seconds: from a sub-millisecond RPC to a many-minute agent run. */
const RPC_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const RUN_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

const COUNTERS = {
  openclaw_rpc_requests_total: "RPC requests answered, by method and outcome code (ok or the error code)",
  openclaw_auth_failures_total: "Failed connect authentications, by reason",
  openclaw_config_reloads_total: "Config reloads, by outcome (applied, restarted, rejected)",
  openclaw_agent_runs_total: "Agent runs finished, by outcome (ok, error, aborted)",
  openclaw_agent_tokens_total: "Model tokens used by agent runs, by direction (input, output)",
  openclaw_model_errors_total:
    "Model call failures, by class (rate_limit, billing, auth, timeout, context_length, other)",
  openclaw_transcript_write_errors_total: "Transcript writes whose flush to disk failed",
  openclaw_channel_messages_total: "Chat channel messages, by channel, account and direction (inbound, outbound)",
  openclaw_channel_send_failures_total: "Chat channel replies that could not be delivered, by channel and account",
} as const;
const HISTOGRAMS = {
  openclaw_rpc_duration_seconds: { help: "RPC handling time, by method", buckets: RPC_BUCKETS },
  openclaw_agent_run_duration_seconds: { help: "Agent run duration, by outcome", buckets: RUN_BUCKETS },
} as const;

export type CounterName = keyof typeof COUNTERS;
export type HistogramName = keyof typeof HISTOGRAMS;

const keyOf = (labels: Labels) => JSON.stringify(Object.entries(labels).toSorted(([a], [b]) => a.localeCompare(b)));
/** Label values from outside (method names, reasons) are bounded, so no client can grow the series. */
const MAX_SERIES_PER_METRIC = 500;

export class MetricsRecorder {
  readonly #counters = new Map<CounterName, Map<string, Series>>();
  readonly #histograms = new Map<HistogramName, Map<string, HistogramSeries>>();

  inc(name: CounterName, labels: Labels = {}, by = 1): void {
    let series = this.#counters.get(name);
    if (!series) this.#counters.set(name, (series = new Map()));
    const key = keyOf(labels);
    const entry = series.get(key);
    if (entry) entry.value += by;
    else if (series.size < MAX_SERIES_PER_METRIC) series.set(key, { labels, value: by });
  }

  observe(name: HistogramName, labels: Labels, seconds: number): void {
    let series = this.#histograms.get(name);
    if (!series) this.#histograms.set(name, (series = new Map()));
    const key = keyOf(labels);
    let entry = series.get(key);
    if (!entry) {
      if (series.size >= MAX_SERIES_PER_METRIC) return;
      series.set(key, (entry = { labels, counts: HISTOGRAMS[name].buckets.map(() => 0), sum: 0, count: 0 }));
    }
    const buckets = HISTOGRAMS[name].buckets;
    for (let i = 0; i < buckets.length; i++) if (seconds <= buckets[i]!) entry.counts[i]!++;
    entry.sum += seconds;
    entry.count++;
  }

  /** The value of one counter series (tests, `status --deep`). */
  counter(name: CounterName, labels: Labels = {}): number {
    return this.#counters.get(name)?.get(keyOf(labels))?.value ?? 0;
  }

  /** Every series of a counter. */
  counterSeries(name: CounterName): Series[] {
    return [...(this.#counters.get(name)?.values() ?? [])];
  }

  /** In prom-client's metric-object shape, for its registry to render. */
  snapshot(): { name: string; help: string; type: "counter" | "histogram"; values: unknown[] }[] {
    const out: { name: string; help: string; type: "counter" | "histogram"; values: unknown[] }[] = [];
    for (const [name, help] of Object.entries(COUNTERS) as [CounterName, string][])
      out.push({ name, help, type: "counter", values: this.counterSeries(name) });
    for (const [name, def] of Object.entries(HISTOGRAMS) as [HistogramName, (typeof HISTOGRAMS)[HistogramName]][]) {
      const values: unknown[] = [];
      for (const s of this.#histograms.get(name)?.values() ?? []) {
        def.buckets.forEach((le, i) =>
          values.push({ metricName: `${name}_bucket`, labels: { ...s.labels, le }, value: s.counts[i] }),
        );
        values.push({ metricName: `${name}_bucket`, labels: { ...s.labels, le: "+Inf" }, value: s.count });
        values.push({ metricName: `${name}_sum`, labels: s.labels, value: s.sum });
        values.push({ metricName: `${name}_count`, labels: s.labels, value: s.count });
      }
      out.push({ name, help: def.help, type: "histogram", values });
    }
    return out;
  }
}

/** The gauges, read from the runtime now. */
export function gauges(runtime: GatewayRuntime): { name: string; help: string; values: Series[] }[] {
  const connections = new Map<string, Series>();
  for (const client of runtime.clients.all()) {
    const labels = client.authenticated
      ? { role: client.role, protocol: String(client.protocol) }
      : { role: "unauthenticated", protocol: "none" };
    const key = keyOf(labels);
    const entry = connections.get(key);
    if (entry) entry.value++;
    else connections.set(key, { labels, value: 1 });
  }
  const channelStates: Series[] = [];
  const channelHealth = runtime.channels?.health() ?? {};
  for (const [channel, health] of Object.entries(channelHealth)) {
    const accounts = (health as { accounts?: Record<string, { state?: string }> }).accounts ?? {};
    for (const [account, snap] of Object.entries(accounts))
      for (const state of ["connected", "connecting", "disconnected", "error", "stopped"])
        channelStates.push({ labels: { channel, account, state }, value: snap.state === state ? 1 : 0 });
  }
  return [
    {
      name: "openclaw_uptime_seconds",
      help: "Seconds since the gateway started",
      values: [{ labels: {}, value: (Date.now() - runtime.startedAt) / 1000 }],
    },
    {
      name: "openclaw_websocket_connections",
      help: "Open WebSocket connections, by role (unauthenticated before connect) and protocol",
      values: [...connections.values()],
    },
    {
      name: "openclaw_auth_lockouts_active",
      help: "Client addresses locked out after repeated failed authentications",
      values: [{ labels: {}, value: runtime.rateLimiter.lockedOut() }],
    },
    {
      name: "openclaw_config_reload_failed",
      help: "1 when the config file on disk failed to validate and the previous one is running",
      values: [{ labels: {}, value: runtime.reload.status === "failed" ? 1 : 0 }],
    },
    {
      name: "openclaw_channel_state",
      help: "Chat channel account state: 1 for the current state, 0 for the others",
      values: channelStates,
    },
  ];
}

type PromClient = typeof import("prom-client");
let registry: Promise<{ render: () => Promise<string>; contentType: string }> | undefined;

/** The exposition text; prom-client and its process collectors are set up on the first call. */
export function renderMetrics(runtime: GatewayRuntime): Promise<{ text: string; contentType: string }> {
  registry ??= import("prom-client").then((loaded) => {
    // A CommonJS module: bundled, its exports arrive on `default`.
    const prom = (loaded as unknown as { default?: PromClient }).default ?? loaded;
    const register = new prom.Registry();
    prom.collectDefaultMetrics({ register, prefix: "openclaw_", eventLoopMonitoringPrecision: 20 });
    // Read once per scrape, then handed to each metric as prom-client asks for it.
    let current = new Map<string, unknown[]>();
    const read = () => {
      current = new Map([
        ...runtime.metrics.snapshot().map((m) => [m.name, m.values] as const),
        ...gauges(runtime).map((g) => [g.name, g.values] as const),
      ]);
    };
    const custom = (name: string, help: string, type: "counter" | "gauge" | "histogram") =>
      register.registerMetric({
        name,
        help,
        get: async () => ({ name, help, type, values: current.get(name) ?? [], aggregator: "sum" }),
      } as unknown as Parameters<typeof register.registerMetric>[0]);
    for (const m of runtime.metrics.snapshot()) custom(m.name, m.help, m.type);
    for (const g of gauges(runtime)) custom(g.name, g.help, "gauge");
    return {
      render: () => {
        read();
        return register.metrics();
      },
      contentType: register.contentType,
    };
  });
  return registry.then(async (r) => ({ text: await r.render(), contentType: r.contentType }));
}
