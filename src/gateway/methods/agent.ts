/** `agent`, `agent.wait`, `chat.send|history|abort`, `sessions.list|patch|reset|delete`. @module */
import * as v from "valibot";
import { THINKING_LEVELS } from "../../config/schema.js";
import { ErrorCodes, GatewayError, invalidRequest } from "../../protocol/errors.js";
import { ModelConfigError } from "../../providers/resolve.js";
import type { ImageInput } from "../../providers/types.js";
import { normalizeSessionKey, type SessionStore } from "../../sessions/store.js";
import { loadTranscript } from "../../sessions/transcript.js";
import type { AgentRun } from "../agent-runs.js";
import type { GatewayRuntime } from "../runtime.js";
import type { MethodContext, MethodHandler } from "./index.js";
import { parseParams } from "./params.js";

const id = v.pipe(v.string(), v.minLength(1), v.maxLength(200));
const agentParams = v.looseObject({
  message: v.pipe(v.string(), v.minLength(1), v.maxLength(1_000_000)),
  idempotencyKey: id,
  agentId: v.optional(v.pipe(v.string(), v.regex(/^[\w-]{1,64}$/))),
  sessionKey: v.optional(v.pipe(v.string(), v.maxLength(512))),
  sessionId: v.optional(v.pipe(v.string(), v.maxLength(200))),
  model: v.optional(v.string()),
  thinking: v.optional(v.picklist(THINKING_LEVELS)),
  timeout: v.optional(v.pipe(v.number(), v.minValue(1), v.maxValue(86_400))),
});
const MAX_ATTACHMENTS = 8;
/** Per image, after decoding: the smallest limit among the providers we speak to (Anthropic's 5 MB). */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
/** The first bytes of each accepted image type: a file is what its bytes say, not what its name says. */
const IMAGE_MAGIC: Record<string, (b: Buffer) => boolean> = {
  "image/png": (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  "image/jpeg": (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  "image/gif": (b) => b.subarray(0, 4).toString("latin1") === "GIF8",
  "image/webp": (b) =>
    b.subarray(0, 4).toString("latin1") === "RIFF" && b.subarray(8, 12).toString("latin1") === "WEBP",
};

/** `chat.send` attachments as images for the model; anything else is refused with the reason. */
export function checkAttachments(
  attachments: readonly {
    type?: string | undefined;
    mimeType: string;
    fileName?: string | undefined;
    content: string;
  }[],
): ImageInput[] {
  return attachments.map((a, i) => {
    const name = `attachment ${i + 1}${a.fileName ? ` (${a.fileName})` : ""}`;
    const mimeType = a.mimeType.toLowerCase();
    const matches = IMAGE_MAGIC[mimeType];
    if ((a.type !== undefined && a.type !== "image") || !matches)
      throw invalidRequest(`${name}: only images can be attached (png, jpeg, gif, webp), not ${a.mimeType}`);
    const data = a.content.replace(/^data:[^,]*,/, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0)
      throw invalidRequest(`${name}: content must be base64 (without line breaks)`);
    if ((data.length / 4) * 3 > MAX_IMAGE_BYTES + 2)
      throw invalidRequest(`${name}: larger than ${MAX_IMAGE_BYTES / 1024 / 1024} MB; send a smaller image`);
    if (!matches(Buffer.from(data.slice(0, 24), "base64")))
      throw invalidRequest(`${name}: the bytes are not a ${mimeType} image`);
    return { mimeType, data };
  });
}

const chatParams = v.looseObject({
  sessionKey: v.pipe(v.string(), v.minLength(1), v.maxLength(512)),
  // May be empty when images are attached.
  message: v.pipe(v.string(), v.maxLength(1_000_000)),
  attachments: v.optional(
    v.pipe(
      v.array(
        v.looseObject({
          type: v.optional(v.string()),
          mimeType: v.pipe(v.string(), v.maxLength(100)),
          fileName: v.optional(v.pipe(v.string(), v.maxLength(255))),
          content: v.string(),
        }),
      ),
      v.maxLength(MAX_ATTACHMENTS, `at most ${MAX_ATTACHMENTS} attachments per message`),
    ),
  ),
  idempotencyKey: id,
  thinking: v.optional(v.picklist(THINKING_LEVELS)),
  timeoutMs: v.optional(v.pipe(v.number(), v.minValue(1), v.maxValue(86_400_000))),
});
const MAX_HISTORY_BYTES = 6 * 1024 * 1024;

function agentIdOf(p: { agentId?: string | undefined }): string {
  return p.agentId ?? "default";
}

function sessionKeyOf(raw: string | undefined, agentId: string): string {
  try {
    return normalizeSessionKey(raw, agentId);
  } catch (error) {
    throw invalidRequest((error as Error).message);
  }
}

function checkModel(runtime: GatewayRuntime, model?: string): void {
  const configured = runtime.snapshot.config.agents?.defaults?.model;
  if (!model && !configured) {
    const error = new ModelConfigError("no model is configured", "");
    throw new GatewayError(
      ErrorCodes.INVALID_REQUEST,
      `${error.message}: set agents.defaults.model (openclaw config set agents.defaults.model openai/gpt-5.1)`,
      { details: { code: "MODEL_NOT_CONFIGURED" } },
    );
  }
}

function finalPayload(run: AgentRun): unknown {
  if (run.status === "ok" && run.result) {
    return {
      runId: run.runId,
      status: "ok",
      summary: "completed",
      result: {
        payloads: [{ text: run.result.text, channelSendMetrics: null }],
        stats: {
          durationMs: run.result.durationMs,
          tokensIn: run.result.usage.input,
          tokensOut: run.result.usage.output,
        },
        meta: { model: run.result.model, sessionId: run.result.sessionId, stopReason: run.result.stopReason },
      },
    };
  }
  if (run.status === "aborted") return { runId: run.runId, status: "aborted", summary: "aborted" };
  throw new GatewayError(ErrorCodes.UNAVAILABLE, run.error?.message ?? "the run failed", {
    details: { runId: run.runId, status: "error", kind: run.error?.kind, hint: run.error?.hint },
  });
}

function store(ctx: MethodContext, agentId: string): SessionStore {
  return ctx.runtime.agents.store(agentId);
}

function chatHistory(ctx: MethodContext, method: string) {
  const p = parseParams(
    method,
    v.looseObject({
      sessionKey: v.optional(v.pipe(v.string(), v.maxLength(512))),
      limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000))),
      maxBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_HISTORY_BYTES))),
    }),
    ctx.params,
  );
  const sessionKey = sessionKeyOf(p.sessionKey, "default");
  const sessions = store(ctx, "default");
  const entry = sessions.get(sessionKey);
  if (!entry) return { sessionKey, sessionId: null, messages: [] as unknown[], thinkingLevel: null };
  // Read only: a run may be between a tool call and its result right now.
  const loaded = loadTranscript(sessions.transcriptPath(entry.sessionId), { repair: false });
  const messages: unknown[] = [];
  const maxBytes = p.maxBytes ?? MAX_HISTORY_BYTES;
  let bytes = 0;
  for (const m of loaded.messages.slice(-(p.limit ?? 200)).toReversed()) {
    const size = Buffer.byteLength(JSON.stringify(m.message));
    if (bytes + size > maxBytes) break;
    bytes += size;
    messages.unshift(m.message);
  }
  return {
    sessionKey,
    sessionId: entry.sessionId,
    messages,
    hasMore: messages.length < loaded.messages.length,
    totalMessages: loaded.messages.length,
    thinkingLevel: entry.thinkingLevel ?? null,
  };
}

export const handlers: Record<string, MethodHandler> = {
  agent: (ctx) => {
    const p = parseParams("agent", agentParams, ctx.params);
    checkModel(ctx.runtime, p.model);
    const agentId = agentIdOf(p);
    const { run, duplicate } = ctx.runtime.agents.start({
      runId: p.idempotencyKey,
      message: p.message,
      sessionKey: sessionKeyOf(p.sessionKey ?? p.sessionId, agentId),
      agentId,
      model: p.model,
      thinking: p.thinking,
      timeoutMs: p.timeout ? p.timeout * 1000 : undefined,
    });
    ctx.followUp(run.done.then(finalPayload));
    return {
      runId: run.runId,
      status: "accepted",
      acceptedAt: run.startedAt,
      ...(duplicate ? { duplicate: true } : {}),
    };
  },

  "agent.wait": async (ctx) => {
    const p = parseParams(
      "agent.wait",
      v.looseObject({ runId: id, timeoutMs: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(3_600_000))) }),
      ctx.params,
    );
    const run = ctx.runtime.agents.get(p.runId);
    if (!run) throw invalidRequest(`unknown runId: ${p.runId}`);
    const timeout = new Promise<"timeout">((resolve) =>
      setTimeout(() => resolve("timeout"), p.timeoutMs ?? 30_000).unref(),
    );
    const outcome = await Promise.race([run.done, timeout]);
    if (outcome === "timeout") return { runId: run.runId, status: "timeout", startedAt: run.startedAt };
    return {
      runId: run.runId,
      status: run.status === "ok" ? "ok" : run.status === "aborted" ? "aborted" : "error",
      startedAt: run.startedAt,
      endedAt: run.endedAt,
      ...(run.error ? { error: run.error.message } : {}),
    };
  },

  "chat.send": (ctx) => {
    const p = parseParams("chat.send", chatParams, ctx.params);
    const images = checkAttachments(p.attachments ?? []);
    if (p.message.trim() === "" && images.length === 0)
      throw invalidRequest("invalid chat.send params: message is empty (send text, an image, or both)");
    checkModel(ctx.runtime);
    const sessionKey = sessionKeyOf(p.sessionKey, "default");
    if (p.message.trim() === "/stop") {
      const runIds = ctx.runtime.agents.abort(sessionKey);
      return { ok: true, aborted: runIds.length > 0, runIds };
    }
    const { run, duplicate } = ctx.runtime.agents.start({
      runId: p.idempotencyKey,
      message: p.message,
      images,
      sessionKey,
      agentId: "default",
      thinking: p.thinking,
      timeoutMs: p.timeoutMs,
    });
    return {
      runId: run.runId,
      status: duplicate && (run.status === "running" || run.status === "queued") ? "in_flight" : "started",
    };
  },

  "chat.abort": (ctx) => {
    const p = parseParams(
      "chat.abort",
      v.looseObject({ sessionKey: v.pipe(v.string(), v.maxLength(512)), runId: v.optional(id) }),
      ctx.params,
    );
    const sessionKey = sessionKeyOf(p.sessionKey, "default");
    if (p.runId) {
      const run = ctx.runtime.agents.get(p.runId);
      if (run && run.sessionKey !== sessionKey) throw invalidRequest("runId does not match sessionKey");
    }
    const runIds = ctx.runtime.agents.abort(sessionKey, p.runId);
    return { ok: true, aborted: runIds.length > 0, runIds };
  },

  "chat.history": (ctx) => chatHistory(ctx, "chat.history"),

  /** Upstream's Control UI opens a chat with this: the history of a session (the main one by default). */
  "chat.startup": (ctx) => {
    const history = chatHistory(ctx, "chat.startup");
    return { ...history, resolution: { ok: true, key: `agent:default:${history.sessionKey}`, agentId: "default" } };
  },

  /**
   * Upstream's UI asks to be sent a session's messages; this gateway sends `chat` and `agent` events to
   * every operator connection already, so there is nothing to start or stop.
   */
  "sessions.messages.subscribe": (ctx) => {
    const p = parseParams(
      "sessions.messages.subscribe",
      v.looseObject({ key: v.pipe(v.string(), v.maxLength(512)) }),
      ctx.params,
    );
    return { ok: true, key: sessionKeyOf(p.key, "default"), subscribed: true };
  },
  "sessions.messages.unsubscribe": (ctx) => {
    const p = parseParams(
      "sessions.messages.unsubscribe",
      v.looseObject({ key: v.pipe(v.string(), v.maxLength(512)) }),
      ctx.params,
    );
    return { ok: true, key: sessionKeyOf(p.key, "default"), subscribed: false };
  },

  "sessions.list": (ctx) => {
    const p = parseParams(
      "sessions.list",
      v.looseObject({
        agentId: v.optional(v.string()),
        limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000))),
      }),
      ctx.params,
    );
    const sessions = store(ctx, agentIdOf(p));
    const rows = sessions.list().slice(0, p.limit ?? 500);
    return {
      ts: Date.now(),
      path: sessions.indexPath,
      count: rows.length,
      defaults: { model: ctx.runtime.snapshot.config.agents?.defaults?.model ?? null, contextTokens: null },
      sessions: rows.map(({ key, entry }) => ({
        key,
        kind: "direct",
        sessionId: entry.sessionId,
        updatedAt: entry.updatedAt,
        ...(entry.label ? { label: entry.label } : {}),
        ...(entry.model ? { model: entry.model } : {}),
        ...(entry.thinkingLevel ? { thinkingLevel: entry.thinkingLevel } : {}),
        inputTokens: entry.inputTokens ?? 0,
        outputTokens: entry.outputTokens ?? 0,
        totalTokens: entry.totalTokens ?? 0,
        status: ctx.runtime.agents.activeForSession(key).length ? "running" : "done",
      })),
    };
  },

  "sessions.patch": (ctx) => {
    const p = parseParams(
      "sessions.patch",
      v.looseObject({
        key: v.pipe(v.string(), v.maxLength(512)),
        label: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(100)))),
        thinkingLevel: v.optional(v.nullable(v.picklist(THINKING_LEVELS))),
        model: v.optional(v.nullable(v.string())),
      }),
      ctx.params,
    );
    const sessions = store(ctx, "default");
    const key = sessionKeyOf(p.key, "default");
    const entry = sessions.ensure(key);
    const patched = sessions.patch(key, {
      ...(p.label !== undefined ? { label: p.label ?? undefined } : {}),
      ...(p.thinkingLevel !== undefined ? { thinkingLevel: p.thinkingLevel ?? undefined } : {}),
      ...(p.model !== undefined ? { model: p.model ?? undefined } : {}),
    });
    return { ok: true, key, entry: patched ?? entry };
  },

  "sessions.reset": (ctx) => {
    const p = parseParams("sessions.reset", v.looseObject({ key: v.pipe(v.string(), v.maxLength(512)) }), ctx.params);
    const key = sessionKeyOf(p.key, "default");
    if (ctx.runtime.agents.activeForSession(key).length)
      throw new GatewayError(ErrorCodes.UNAVAILABLE, "a run is active in this session; abort it first (chat.abort)", {
        retryable: true,
      });
    const sessions = store(ctx, "default");
    sessions.archive(key, "reset");
    return { ok: true, key, entry: sessions.ensure(key) };
  },

  "sessions.delete": (ctx) => {
    const p = parseParams("sessions.delete", v.looseObject({ key: v.pipe(v.string(), v.maxLength(512)) }), ctx.params);
    const key = sessionKeyOf(p.key, "default");
    if (ctx.runtime.agents.activeForSession(key).length)
      throw new GatewayError(ErrorCodes.UNAVAILABLE, "a run is active in this session; abort it first (chat.abort)", {
        retryable: true,
      });
    const removed = store(ctx, "default").archive(key, "deleted");
    return { ok: true, key, deleted: removed !== undefined, sessionId: removed?.sessionId ?? null };
  },
};
