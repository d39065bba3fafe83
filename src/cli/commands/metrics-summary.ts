/**
 * `status --deep`: the gateway's metrics (the `metrics` method's Prometheus text, parsed by a maintained
 * parser) summarised for a person: the same numbers a monitoring system scrapes from `/metrics`.
 * @module
 */
import parsePrometheus from "parse-prometheus-text-format";

interface Family {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; count?: string; sum?: string }[];
}

export interface MetricsSummary {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly eventLoopP99Ms: number;
  readonly connections: Record<string, number>;
  readonly rpc: { requests: number; errors: number };
  readonly auth: { failures: number; lockoutsActive: number };
  readonly configReloads: Record<string, number>;
  readonly agentRuns: Record<string, number>;
  readonly tokens: Record<string, number>;
  readonly modelErrors: Record<string, number>;
  readonly transcriptWriteErrors: number;
  readonly channels: {
    channel: string;
    account: string;
    state: string;
    inbound: number;
    outbound: number;
    sendFailures: number;
  }[];
}

/** Parses the exposition text into the summary. Pure. */
export function summarizeMetrics(text: string): MetricsSummary {
  const families = new Map((parsePrometheus(text) as Family[]).map((f) => [f.name, f]));
  const series = (name: string) => families.get(name)?.metrics ?? [];
  const one = (name: string) => Number(series(name)[0]?.value ?? 0);
  const by = (name: string, label: string) => {
    const out: Record<string, number> = {};
    for (const m of series(name)) {
      const key = m.labels?.[label] ?? "";
      out[key] = (out[key] ?? 0) + Number(m.value ?? 0);
    }
    return out;
  };
  const rpc = series("openclaw_rpc_requests_total");
  const channels = new Map<string, MetricsSummary["channels"][number]>();
  const channel = (labels: Record<string, string> = {}) => {
    const key = `${labels.channel}/${labels.account}`;
    let entry = channels.get(key);
    if (!entry)
      channels.set(
        key,
        (entry = {
          channel: labels.channel ?? "",
          account: labels.account ?? "",
          state: "",
          inbound: 0,
          outbound: 0,
          sendFailures: 0,
        }),
      );
    return entry;
  };
  for (const m of series("openclaw_channel_state"))
    if (Number(m.value) === 1) channel(m.labels).state = m.labels?.state ?? "";
  for (const m of series("openclaw_channel_messages_total")) {
    const entry = channel(m.labels);
    if (m.labels?.direction === "inbound") entry.inbound += Number(m.value);
    else entry.outbound += Number(m.value);
  }
  for (const m of series("openclaw_channel_send_failures_total")) channel(m.labels).sendFailures += Number(m.value);
  return {
    rssBytes: one("openclaw_process_resident_memory_bytes"),
    heapUsedBytes: one("openclaw_nodejs_heap_size_used_bytes"),
    eventLoopP99Ms: one("openclaw_nodejs_eventloop_lag_p99_seconds") * 1000,
    connections: by("openclaw_websocket_connections", "role"),
    rpc: {
      requests: rpc.reduce((n, m) => n + Number(m.value), 0),
      errors: rpc.filter((m) => m.labels?.code !== "ok").reduce((n, m) => n + Number(m.value), 0),
    },
    auth: {
      failures: sum(series("openclaw_auth_failures_total")),
      lockoutsActive: one("openclaw_auth_lockouts_active"),
    },
    configReloads: by("openclaw_config_reloads_total", "outcome"),
    agentRuns: by("openclaw_agent_runs_total", "outcome"),
    tokens: by("openclaw_agent_tokens_total", "direction"),
    modelErrors: by("openclaw_model_errors_total", "kind"),
    transcriptWriteErrors: one("openclaw_transcript_write_errors_total"),
    channels: [...channels.values()],
  };
}

function sum(metrics: { value?: string }[]): number {
  return metrics.reduce((n, m) => n + Number(m.value ?? 0), 0);
}

const list = (counts: Record<string, number>) =>
  Object.keys(counts).length
    ? Object.entries(counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")
    : "none";

const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;

/** The lines `status --deep` prints. Pure. */
export function renderMetricsSummary(m: MetricsSummary): string[] {
  return [
    `Memory:   RSS ${mb(m.rssBytes)}, heap used ${mb(m.heapUsedBytes)}, event loop p99 ${m.eventLoopP99Ms.toFixed(1)} ms`,
    `Clients:  ${list(m.connections)}`,
    `Requests: ${m.rpc.requests} answered, ${m.rpc.errors} with an error`,
    `Auth:     ${m.auth.failures} failed, ${m.auth.lockoutsActive} address(es) locked out now`,
    `Reloads:  ${list(m.configReloads)}`,
    `Runs:     ${list(m.agentRuns)}; tokens ${list(m.tokens)}`,
    `Model:    errors ${list(m.modelErrors)}; transcript write errors ${m.transcriptWriteErrors}`,
    ...m.channels.map(
      (c) =>
        `Channel:  ${c.channel} ${c.account} ${c.state}, in ${c.inbound}, out ${c.outbound}, undelivered ${c.sendFailures}`,
    ),
  ];
}
