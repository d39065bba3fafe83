/**
 * Agent runs inside the gateway: started by `agent` and `chat.send`, deduplicated by idempotency key,
 * one at a time per session (later ones wait their turn), abortable, and announced as `agent` and `chat`
 * events. Finished runs are kept for five minutes (at most 1000) for `agent.wait` and retries.
 * @module
 */
import { performance } from "node:perf_hooks";
import { runAgent, type AgentEvent, type AgentRunResult } from "../agent/run.js";
import type { ImageInput, ThinkingLevel } from "../providers/types.js";
import { ProviderError } from "../providers/errors.js";
import { SessionStore } from "../sessions/store.js";
import type { GatewayRuntime } from "./runtime.js";

export const RUN_TTL_MS = 5 * 60_000;
export const MAX_RUNS = 1000;
const CHAT_DELTA_INTERVAL_MS = 150;

export interface AgentRun {
  readonly runId: string;
  readonly sessionKey: string;
  readonly agentId: string;
  status: "queued" | "running" | "ok" | "error" | "aborted";
  readonly startedAt: number;
  endedAt?: number;
  result?: AgentRunResult;
  error?: { message: string; kind?: string; hint?: string };
  readonly done: Promise<AgentRun>;
  readonly controller: AbortController;
}

export interface StartRun {
  readonly runId: string;
  readonly message: string;
  readonly images?: readonly ImageInput[] | undefined;
  readonly sessionKey: string;
  readonly agentId: string;
  readonly model?: string | undefined;
  readonly thinking?: ThinkingLevel | undefined;
  readonly timeoutMs?: number | undefined;
  /** Set when a chat channel started the run. */
  readonly origin?: Readonly<Record<string, unknown>> | undefined;
}

export class AgentRuns {
  readonly #runs = new Map<string, AgentRun>();
  readonly #sessionQueues = new Map<string, Promise<unknown>>();
  /** One store per agent: its index is read once, not at every turn. */
  readonly #stores = new Map<string, SessionStore>();
  readonly #runtime: GatewayRuntime;

  constructor(runtime: GatewayRuntime) {
    this.#runtime = runtime;
  }

  get(runId: string): AgentRun | undefined {
    return this.#runs.get(runId);
  }

  activeForSession(sessionKey: string): AgentRun[] {
    return [...this.#runs.values()].filter(
      (r) => r.sessionKey === sessionKey && (r.status === "running" || r.status === "queued"),
    );
  }

  /** Starts a run, or returns the existing one with the same id (idempotency). */
  start(input: StartRun): { run: AgentRun; duplicate: boolean } {
    const existing = this.#runs.get(input.runId);
    if (existing) return { run: existing, duplicate: true };
    this.#prune();
    const controller = new AbortController();
    const run = {
      runId: input.runId,
      sessionKey: input.sessionKey,
      agentId: input.agentId,
      status: "queued",
      startedAt: Date.now(),
      controller,
    } as AgentRun;
    const queueKey = `${input.agentId}\0${input.sessionKey}`;
    const previous = this.#sessionQueues.get(queueKey) ?? Promise.resolve();
    const done = previous.then(() => this.#execute(run, input));
    (run as { done: Promise<AgentRun> }).done = done;
    this.#sessionQueues.set(
      queueKey,
      done.catch(() => undefined),
    );
    this.#runs.set(run.runId, run);
    return { run, duplicate: false };
  }

  abort(sessionKey: string, runId?: string): string[] {
    const aborted: string[] = [];
    for (const run of this.activeForSession(sessionKey)) {
      if (runId && run.runId !== runId) continue;
      run.controller.abort();
      aborted.push(run.runId);
    }
    return aborted;
  }

  abortAll(): void {
    for (const run of this.#runs.values())
      if (run.status === "running" || run.status === "queued") run.controller.abort();
  }

  /**
   * The one session store of an agent in this process: runs and the sessions.* methods share it, so a
   * label set by a method is never overwritten by a run's cached copy of the index.
   */
  store(agentId: string): SessionStore {
    let store = this.#stores.get(agentId);
    if (!store) this.#stores.set(agentId, (store = new SessionStore(this.#runtime.paths.agentsDir, agentId)));
    return store;
  }

  async #execute(run: AgentRun, input: StartRun): Promise<AgentRun> {
    const runtime = this.#runtime;
    const store = this.store(input.agentId);
    run.status = "running";
    let agentSeq = 0;
    let chatSeq = 0;
    let lastDelta = 0;
    let pendingText: string | undefined;
    const chat = (state: string, extra: Record<string, unknown>) =>
      runtime.clients.broadcast(
        "chat",
        { runId: run.runId, sessionKey: run.sessionKey, seq: ++chatSeq, state, ...extra },
        { dropIfSlow: state === "delta" },
      );
    const flushDelta = (text: string, deltaText: string) => {
      chat("delta", {
        message: { role: "assistant", content: [{ type: "text", text }], timestamp: Date.now() },
        deltaText,
      });
      lastDelta = performance.now();
      pendingText = undefined;
    };
    let sentText = "";
    const onEvent = (event: AgentEvent) => {
      runtime.clients.broadcast(
        "agent",
        {
          runId: run.runId,
          seq: ++agentSeq,
          stream: event.stream,
          ts: Date.now(),
          data: event.data,
          sessionKey: run.sessionKey,
        },
        { dropIfSlow: event.stream === "assistant" || event.stream === "thinking" },
      );
      if (event.stream === "assistant") {
        // Deltas to chat clients are throttled; each carries the full text so far and the new part.
        if (performance.now() - lastDelta >= CHAT_DELTA_INTERVAL_MS) {
          flushDelta(event.data.text, event.data.text.slice(sentText.length));
          sentText = event.data.text;
        } else pendingText = event.data.text;
      }
    };
    if (controllerAborted(run)) return this.#finish(run, "aborted");
    try {
      const result = await runAgent({
        store,
        sessionKey: input.sessionKey,
        message: input.message,
        images: input.images,
        config: runtime.snapshot.config,
        env: runtime.env,
        workspace: runtime.snapshot.config.agents?.defaults?.workspace ?? runtime.paths.workspaceDir,
        model: input.model,
        thinking: input.thinking ?? runtime.snapshot.config.agents?.defaults?.thinking ?? "low",
        timeoutMs: input.timeoutMs ?? 600_000,
        signal: run.controller.signal,
        onEvent,
        credentialsDir: runtime.paths.credentialsDir,
        origin: input.origin,
        browser: runtime.snapshot.config.browser?.enabled === false ? undefined : runtime.browser,
        onFlushError: (error) => {
          runtime.metrics.inc("openclaw_transcript_write_errors_total");
          runtime.log.error("transcript flush to disk failed", { sessionKey: input.sessionKey, error: error.message });
        },
      });
      if (pendingText !== undefined) flushDelta(pendingText, pendingText.slice(sentText.length));
      run.result = result;
      if (result.aborted) {
        chat("aborted", {});
        return this.#finish(run, "aborted");
      }
      chat("final", {
        message: { role: "assistant", content: [{ type: "text", text: result.text }], timestamp: Date.now() },
        usage: result.usage,
        stopReason: result.stopReason,
      });
      return this.#finish(run, "ok");
    } catch (error) {
      const e = error as Error & { kind?: string; hint?: string };
      run.error = { message: e.message, ...(e.kind ? { kind: e.kind } : {}), ...(e.hint ? { hint: e.hint } : {}) };
      runtime.log.warn("agent run failed", { runId: run.runId, error: e.message, kind: e.kind });
      runtime.metrics.inc("openclaw_model_errors_total", {
        kind: error instanceof ProviderError ? error.kind : (e.kind ?? "other"),
      });
      chat("error", {
        errorMessage: e.message,
        errorKind: error instanceof ProviderError ? errorKind(error.kind) : "unknown",
      });
      return this.#finish(run, "error");
    }
  }

  #finish(run: AgentRun, status: AgentRun["status"]): AgentRun {
    run.status = status;
    run.endedAt = Date.now();
    const metrics = this.#runtime.metrics;
    metrics.inc("openclaw_agent_runs_total", { outcome: status });
    metrics.observe("openclaw_agent_run_duration_seconds", { outcome: status }, (run.endedAt - run.startedAt) / 1000);
    if (run.result) {
      metrics.inc("openclaw_agent_tokens_total", { direction: "input" }, run.result.usage.input);
      metrics.inc("openclaw_agent_tokens_total", { direction: "output" }, run.result.usage.output);
    }
    return run;
  }

  #prune(): void {
    const now = Date.now();
    for (const [id, run] of this.#runs) {
      const finished = run.endedAt !== undefined;
      if ((finished && now - run.endedAt! > RUN_TTL_MS) || (finished && this.#runs.size > MAX_RUNS))
        this.#runs.delete(id);
    }
  }
}

function controllerAborted(run: AgentRun): boolean {
  return run.controller.signal.aborted;
}

function errorKind(kind: string): string {
  return kind === "rate_limit"
    ? "rate_limit"
    : kind === "context_length"
      ? "context_length"
      : kind === "aborted"
        ? "timeout"
        : "unknown";
}
