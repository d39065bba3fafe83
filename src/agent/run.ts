/**
 * One agent run: the user's message goes into the session transcript, the model answers (streaming),
 * its tool calls run and their results go back, until it stops, a step limit, a timeout or an abort.
 * Every step is written to the transcript as it happens. Rate-limit, billing and overload errors move
 * to the next model in the chain, and the transcript records that.
 * @module
 */
import { performance } from "node:perf_hooks";
import type { Env } from "../config/paths.js";
import type { OpenClawConfig } from "../config/schema.js";
import { coolDown, cooldownFor, credentialsFor, isCoolingDown } from "../providers/auth-profiles.js";
import { classifyProviderError, ProviderError } from "../providers/errors.js";
import { createAnthropicBackend } from "../providers/anthropic-messages.js";
import { createOpenAICompatibleBackend } from "../providers/openai-compatible.js";
import { modelChain, ModelConfigError, NO_MODEL_HINT, resolveModel, type ResolvedModel } from "../providers/resolve.js";
import type {
  ChatMessage,
  ImageInput,
  ModelBackend,
  ThinkingBlock,
  ThinkingLevel,
  ToolCall,
} from "../providers/types.js";
import type { SessionStore } from "../sessions/store.js";
import {
  appendEntries,
  appendEntry,
  createHeader,
  loadTranscript,
  messageEntry,
  rotateIfLarge,
  type ContentBlock,
  type MessageEntry,
} from "../sessions/transcript.js";
import { BROWSER_SPEC, runTool, TOOL_SPECS } from "./tools.js";
import { DEFAULT_FETCH_MAX_BYTES, type WebSettings } from "./web-tools.js";
import { buildSystemPrompt, ensureWorkspace } from "./workspace.js";

export const DEFAULT_MAX_STEPS = 24;
export const DEFAULT_RUN_TIMEOUT_MS = 10 * 60_000;
export const MAX_HISTORY_MESSAGES = 400;

export type AgentEvent =
  | {
      stream: "lifecycle";
      data:
        | { phase: "start"; startedAt: number }
        | { phase: "end"; startedAt: number; endedAt: number; aborted: boolean }
        | { phase: "error"; startedAt: number; endedAt: number; error: string };
    }
  | { stream: "assistant"; data: { text: string; delta: string } }
  | { stream: "thinking"; data: { text: string; delta: string } }
  | {
      stream: "tool";
      data:
        | { phase: "start"; name: string; toolCallId: string; args: Record<string, unknown> }
        | { phase: "result"; name: string; toolCallId: string; isError: boolean; result: string };
    };

export interface AgentRunInput {
  readonly store: SessionStore;
  readonly sessionKey: string;
  readonly message: string;
  /** The gateway's browser, for the `browser` tool (absent: the tool is not offered). */
  readonly browser?: import("./tools.js").ToolContext["browser"];
  /** Images attached to the message (checked by the caller: type, size). */
  readonly images?: readonly ImageInput[] | undefined;
  readonly config: OpenClawConfig;
  readonly env: Env;
  readonly workspace: string;
  readonly model?: string | undefined;
  readonly thinking: ThinkingLevel;
  readonly timeoutMs: number;
  readonly maxSteps?: number;
  readonly signal: AbortSignal;
  readonly onEvent: (event: AgentEvent) => void;
  /** `<state>/credentials`, for auth profiles. */
  readonly credentialsDir?: string | undefined;
  /** Where the message came from, when a chat channel sent it: kept on the user message in the transcript. */
  readonly origin?: Readonly<Record<string, unknown>> | undefined;
  /** A transcript flush to disk failed (the lines were written; their durability is in doubt). */
  readonly onFlushError?: ((error: Error) => void) | undefined;
}

export interface AgentRunResult {
  readonly text: string;
  readonly model: string;
  readonly usage: { input: number; output: number };
  readonly stopReason: string;
  readonly durationMs: number;
  readonly aborted: boolean;
  readonly sessionId: string;
}

const FALLBACK_KINDS = new Set(["rate_limit", "billing", "overloaded", "auth"]);

/** The web tools' bounds and credentials from `tools.web` and the environment. */
export function webSettings(config: OpenClawConfig, env: Env): WebSettings {
  const web = config.tools?.web;
  return {
    fetch: {
      allowPrivateNetwork: web?.fetch?.allowPrivateNetwork === true,
      maxBytes: web?.fetch?.maxBytes ?? DEFAULT_FETCH_MAX_BYTES,
      timeoutMs: (web?.fetch?.timeoutSeconds ?? 20) * 1000,
    },
    search: {
      apiKey: web?.search?.apiKey ?? env.BRAVE_API_KEY,
      baseUrl: web?.search?.baseUrl ?? "https://api.search.brave.com",
      count: web?.search?.count ?? 5,
    },
  };
}

export function backendFor(resolved: ResolvedModel): ModelBackend {
  if (resolved.api === "openai-completions" || resolved.api === "ollama")
    return createOpenAICompatibleBackend(resolved);
  if (resolved.api === "anthropic-messages") return createAnthropicBackend(resolved);
  throw new ModelConfigError(
    `the ${resolved.api} API (${resolved.ref}) is not supported`,
    `Set models.providers.${resolved.provider}.api to openai-completions or anthropic-messages.`,
  );
}

function historyToMessages(entries: MessageEntry[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const { message } of entries.slice(-MAX_HISTORY_MESSAGES)) {
    const text = (message.content as ContentBlock[])
      .filter((b): b is { type: "text"; text: string } => b.type === "text")
      .map((b) => b.text)
      .join("");
    if (message.role === "user") {
      const images = (message.content as ContentBlock[])
        .filter((b): b is Extract<ContentBlock, { type: "image" }> => b.type === "image")
        .map((b) => ({ mimeType: b.mimeType, data: b.data }));
      out.push({ role: "user", content: text, ...(images.length ? { images } : {}) });
    } else if (message.role === "assistant") {
      const blocks = message.content as ContentBlock[];
      const toolCalls = blocks
        .filter((b): b is Extract<ContentBlock, { type: "toolCall" }> => b.type === "toolCall")
        .map((b) => ({ id: b.id, name: b.name, arguments: b.arguments }));
      const thinking = blocks
        .filter((b): b is Extract<ContentBlock, { type: "thinking" }> => b.type === "thinking")
        .map((b) => ({ text: b.thinking, signature: b.thinkingSignature }));
      out.push({
        role: "assistant",
        content: text,
        ...(toolCalls.length ? { toolCalls } : {}),
        ...(thinking.length ? { thinking } : {}),
      });
    } else
      out.push({ role: "tool", toolCallId: message.toolCallId ?? "", name: message.toolName ?? "", content: text });
  }
  // A history that starts with tool results (cut by the bound) would be refused by providers.
  while (out[0] && out[0].role === "tool") out.shift();
  return out;
}

export async function runAgent(input: AgentRunInput): Promise<AgentRunResult> {
  const started = performance.now();
  const startedAt = Date.now();
  const chain = modelChain(input.config, input.model);
  if (chain.length === 0) throw new ModelConfigError("no model is configured", NO_MODEL_HINT);
  // Every model of the chain with each of its credentials, skipping keys that are cooling down.
  const attempts = chain
    .map((ref) => resolveModel(ref, input.config, input.env))
    .flatMap((resolved) =>
      credentialsFor({
        provider: resolved.provider,
        configKey: resolved.configKey,
        envName: resolved.envName,
        env: input.env,
        credentialsDir: input.credentialsDir,
      }).map((credential) => ({ resolved: { ...resolved, apiKey: credential.apiKey }, credential })),
    );
  const usable = attempts.filter((a) => !isCoolingDown(a.resolved.provider, a.credential));
  const models = usable.length ? usable : attempts;

  ensureWorkspace(input.workspace);
  const session = input.store.ensure(input.sessionKey);
  const file = input.store.transcriptPath(session.sessionId);
  rotateIfLarge(file);
  const loaded = loadTranscript(file);
  let parentId = loaded.messages.at(-1)?.id ?? null;
  // Every entry is one write (a killed process loses nothing); the file is flushed to disk with each
  // assistant message, i.e. once per model step, and with a stopped turn.
  const write = (message: MessageEntry["message"], sync = message.role === "assistant") => {
    const entry = messageEntry(message, parentId);
    const header = loaded.entries.some((e) => e.type === "session")
      ? []
      : [createHeader(session.sessionId, input.workspace, input.sessionKey)];
    appendEntries(file, [...header, entry], sync, input.onFlushError);
    if (header.length) loaded.entries.push(...header);
    parentId = entry.id;
  };

  const messages: ChatMessage[] = [
    { role: "system", content: buildSystemPrompt(input.workspace) },
    ...historyToMessages(loaded.messages),
    { role: "user", content: input.message, ...(input.images?.length ? { images: input.images } : {}) },
  ];
  write({
    role: "user",
    content: [
      { type: "text", text: input.message },
      ...(input.images ?? []).map((i) => ({ type: "image" as const, data: i.data, mimeType: i.mimeType })),
    ],
    timestamp: Date.now(),
    ...(input.origin ? { origin: input.origin } : {}),
  });

  const timeout = AbortSignal.timeout(input.timeoutMs);
  const signal = AbortSignal.any([input.signal, timeout]);
  input.onEvent({ stream: "lifecycle", data: { phase: "start", startedAt } });
  const usage = { input: 0, output: 0 };
  let modelIndex = 0;
  let finalText = "";
  let stopReason = "stop";
  const maxSteps = input.maxSteps ?? DEFAULT_MAX_STEPS;
  // The session's running totals, once per turn however it ends; not flushed (see SessionStore.patch).
  const recordUsage = () => {
    const previous = input.store.get(input.sessionKey);
    input.store.patch(
      input.sessionKey,
      {
        model: models[modelIndex]!.resolved.ref,
        inputTokens: (previous?.inputTokens ?? 0) + usage.input,
        outputTokens: (previous?.outputTokens ?? 0) + usage.output,
        totalTokens: (previous?.totalTokens ?? 0) + usage.input + usage.output,
        thinkingLevel: input.thinking,
      },
      false,
    );
  };
  try {
    for (let step = 0; step < maxSteps; step++) {
      const { resolved, credential } = models[modelIndex]!;
      let text = "";
      let thought = "";
      const thinking: ThinkingBlock[] = [];
      const calls: ToolCall[] = [];
      let stepUsage = { input: 0, output: 0 };
      let reason = "stop";
      try {
        for await (const event of backendFor(resolved).stream({
          model: resolved.model,
          messages,
          tools: input.browser ? [...TOOL_SPECS, BROWSER_SPEC] : [...TOOL_SPECS],
          thinking: input.thinking,
          signal,
        })) {
          if (event.type === "text") {
            text += event.delta;
            input.onEvent({ stream: "assistant", data: { text, delta: event.delta } });
          } else if (event.type === "thinking") {
            thought += event.delta;
            input.onEvent({ stream: "thinking", data: { text: thought, delta: event.delta } });
          } else if (event.type === "thinkingEnd") {
            thinking.push({ text: thought, signature: event.signature });
            thought = "";
          } else if (event.type === "toolCall") calls.push(event.call);
          else if (event.type === "usage") stepUsage = { input: event.input, output: event.output };
          else if (event.type === "done") reason = event.stopReason;
        }
        // Some SDK streams end quietly when aborted instead of throwing.
        if (signal.aborted) throw Object.assign(new Error("aborted"), { name: "AbortError" });
      } catch (error) {
        const failure = classifyProviderError(error, signal);
        // Whatever the model said before it stopped is kept, marked with why it stopped.
        const writeStopped = (why: "aborted" | "error") =>
          write({
            role: "assistant",
            content: text ? [{ type: "text", text }] : [],
            timestamp: Date.now(),
            provider: resolved.provider,
            model: resolved.model,
            api: resolved.api,
            stopReason: why,
            ...(why === "error" ? { errorMessage: failure.message } : {}),
          });
        if (failure.kind === "aborted") {
          writeStopped("aborted");
          throw failure;
        }
        if (FALLBACK_KINDS.has(failure.kind))
          coolDown(resolved.provider, credential, cooldownFor(failure.kind, failure.retryAfterMs));
        if (FALLBACK_KINDS.has(failure.kind) && modelIndex + 1 < models.length) {
          const next = models[modelIndex + 1]!;
          appendEntry(
            file,
            {
              type: "model_fallback",
              id: `fb${Date.now()}`,
              timestamp: new Date().toISOString(),
              from: resolved.ref,
              to: next.resolved.ref,
              fromCredential: credential.id,
              toCredential: next.credential.id,
              reason: failure.kind,
              message: failure.message,
            },
            false,
          );
          modelIndex++;
          step--;
          continue;
        }
        writeStopped("error");
        throw failure;
      }
      usage.input += stepUsage.input;
      usage.output += stepUsage.output;
      // OpenAI-style reasoning has no end marker: what is left over is one unsigned block.
      if (thought) thinking.push({ text: thought });
      const content: ContentBlock[] = [
        ...thinking.map((t) => ({
          type: "thinking" as const,
          thinking: t.text,
          ...(t.signature ? { thinkingSignature: t.signature } : {}),
        })),
        ...(text ? [{ type: "text" as const, text }] : []),
        ...calls.map((c) => ({ type: "toolCall" as const, id: c.id, name: c.name, arguments: c.arguments })),
      ];
      write({
        role: "assistant",
        content,
        timestamp: Date.now(),
        api: resolved.api,
        provider: resolved.provider,
        model: resolved.model,
        stopReason: calls.length ? "toolUse" : reason,
        usage: {
          input: stepUsage.input,
          output: stepUsage.output,
          cacheRead: 0,
          cacheWrite: 0,
          totalTokens: stepUsage.input + stepUsage.output,
        },
      });
      messages.push({
        role: "assistant",
        content: text,
        ...(calls.length ? { toolCalls: calls } : {}),
        ...(thinking.length ? { thinking } : {}),
      });
      if (text) finalText = text;
      stopReason = calls.length ? "toolUse" : reason;
      if (calls.length === 0) break;
      for (const call of calls) {
        if (signal.aborted) throw classifyProviderError(new Error("aborted"), signal);
        input.onEvent({
          stream: "tool",
          data: { phase: "start", name: call.name, toolCallId: call.id, args: call.arguments },
        });
        const result = await runTool(call.name, call.arguments, {
          workspace: input.workspace,
          signal,
          env: input.env,
          web: webSettings(input.config, input.env),
          browser: input.browser,
          // Beside the transcript: `<sessionId>.media/`.
          mediaDir: file.replace(/\.jsonl$/, ".media"),
        });
        input.onEvent({
          stream: "tool",
          data: {
            phase: "result",
            name: call.name,
            toolCallId: call.id,
            isError: result.isError,
            result: result.text.slice(0, 4000),
          },
        });
        write({
          role: "toolResult",
          toolCallId: call.id,
          toolName: call.name,
          content: [{ type: "text", text: result.text }],
          isError: result.isError,
          timestamp: Date.now(),
        });
        messages.push({ role: "tool", toolCallId: call.id, name: call.name, content: result.text });
      }
      if (step === maxSteps - 1) stopReason = "max_steps";
    }
  } catch (error) {
    const aborted = error instanceof ProviderError && error.kind === "aborted";
    const endedAt = Date.now();
    recordUsage();
    if (aborted) {
      input.onEvent({ stream: "lifecycle", data: { phase: "end", startedAt, endedAt, aborted: true } });
      const timedOut = timeout.aborted && !input.signal.aborted;
      if (timedOut)
        throw new ProviderError(
          "aborted",
          `the run timed out after ${Math.round(input.timeoutMs / 1000)} s`,
          "Raise --timeout, or ask for less at once.",
        );
      return {
        text: finalText,
        model: models[modelIndex]!.resolved.ref,
        usage,
        stopReason: "aborted",
        durationMs: Math.round(performance.now() - started),
        aborted: true,
        sessionId: session.sessionId,
      };
    }
    input.onEvent({
      stream: "lifecycle",
      data: { phase: "error", startedAt, endedAt, error: (error as Error).message },
    });
    throw error;
  }
  recordUsage();
  input.onEvent({ stream: "lifecycle", data: { phase: "end", startedAt, endedAt: Date.now(), aborted: false } });
  return {
    text: finalText,
    model: models[modelIndex]!.resolved.ref,
    usage,
    stopReason,
    durationMs: Math.round(performance.now() - started),
    aborted: false,
    sessionId: session.sessionId,
  };
}
