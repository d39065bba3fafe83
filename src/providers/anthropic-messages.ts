/**
 * Anthropic Messages, streaming with tool use and extended thinking, through the official
 * `@anthropic-ai/sdk` (about 250 ms to import, so it is loaded on the first Anthropic call only).
 * @module
 */
import { clientCache, SDK_OPTIONS } from "./client-cache.js";
import { classifyProviderError, parseToolArguments } from "./errors.js";
import type { ResolvedModel } from "./resolve.js";
import type { ChatMessage, ChatRequest, ModelBackend, StreamEvent, ThinkingLevel, ToolCall } from "./types.js";

/** Thinking levels as token budgets (the API's minimum is 1024). */
export const THINKING_BUDGET: Record<ThinkingLevel, number> = {
  off: 0,
  minimal: 1024,
  low: 4096,
  medium: 10_000,
  high: 24_000,
  xhigh: 32_000,
};
/** Room for the answer itself on top of the thinking budget. */
const ANSWER_TOKENS = 8192;

type Block = Record<string, unknown>;
type AnthropicMessage = { role: "user" | "assistant"; content: Block[] };

/** Our messages in Anthropic's shape: the system prompt apart, tool results as user turns, same roles merged. */
export function toAnthropic(messages: ChatMessage[]): { system: string; messages: AnthropicMessage[] } {
  const system: string[] = [];
  const out: AnthropicMessage[] = [];
  const push = (role: "user" | "assistant", blocks: Block[]) => {
    if (blocks.length === 0) return;
    const last = out.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const message of messages) {
    switch (message.role) {
      case "system":
        system.push(message.content);
        break;
      case "user":
        push("user", [
          ...(message.images ?? []).map((i) => ({
            type: "image",
            source: { type: "base64", media_type: i.mimeType, data: i.data },
          })),
          ...(message.content ? [{ type: "text", text: message.content }] : []),
        ]);
        break;
      case "assistant":
        push("assistant", [
          // Only signed thinking can be sent back; unsigned text (from another provider) is dropped.
          ...(message.thinking ?? [])
            .filter((t) => t.signature)
            .map((t) => ({ type: "thinking", thinking: t.text, signature: t.signature })),
          ...(message.content ? [{ type: "text", text: message.content }] : []),
          ...(message.toolCalls ?? []).map((c) => ({ type: "tool_use", id: c.id, name: c.name, input: c.arguments })),
        ]);
        break;
      case "tool":
        push("user", [{ type: "tool_result", tool_use_id: message.toolCallId, content: message.content }]);
        break;
    }
  }
  return { system: system.join("\n\n"), messages: out };
}

type Client = InstanceType<typeof import("@anthropic-ai/sdk").default>;
const cachedClient = clientCache<Client>();

const clientFor = (baseURL: string, apiKey: string) =>
  cachedClient(baseURL, apiKey, async () => {
    const { default: Anthropic } = await import("@anthropic-ai/sdk");
    return new Anthropic({ apiKey, baseURL, ...SDK_OPTIONS });
  });

const STOP: Record<string, "stop" | "length" | "toolUse"> = {
  end_turn: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
  tool_use: "toolUse",
};

export function createAnthropicBackend(resolved: ResolvedModel): ModelBackend {
  // The SDK adds `/v1/messages` itself; a base URL written with `/v1` (as for OpenAI) is accepted too.
  const baseURL = resolved.baseUrl.replace(/\/v1\/?$/, "");
  return {
    api: "anthropic-messages",
    provider: resolved.provider,
    async *stream(request: ChatRequest): AsyncIterable<StreamEvent> {
      const client = await clientFor(baseURL, resolved.apiKey ?? "");
      const { system, messages } = toAnthropic(request.messages);
      const budget = THINKING_BUDGET[request.thinking];
      const blocks = new Map<number, { kind: string; id: string; name: string; json: string; signature: string }>();
      const calls: ToolCall[] = [];
      let stopReason: "stop" | "length" | "toolUse" = "stop";
      let input = 0;
      let output = 0;
      try {
        const stream = await client.messages.create(
          {
            model: request.model,
            max_tokens: request.maxTokens ?? budget + ANSWER_TOKENS,
            ...(system ? { system } : {}),
            messages: messages as never,
            stream: true,
            ...(request.tools.length
              ? {
                  tools: request.tools.map((t) => ({
                    name: t.name,
                    description: t.description,
                    input_schema: t.parameters as never,
                  })),
                }
              : {}),
            ...(budget ? { thinking: { type: "enabled" as const, budget_tokens: budget } } : {}),
          },
          { signal: request.signal },
        );
        for await (const event of stream) {
          switch (event.type) {
            case "message_start":
              input = event.message.usage?.input_tokens ?? 0;
              output = event.message.usage?.output_tokens ?? 0;
              break;
            case "content_block_start": {
              const block = event.content_block as { type: string; id?: string; name?: string };
              blocks.set(event.index, {
                kind: block.type,
                id: block.id ?? "",
                name: block.name ?? "",
                json: "",
                signature: "",
              });
              break;
            }
            case "content_block_delta": {
              const delta = event.delta as {
                type: string;
                text?: string;
                thinking?: string;
                partial_json?: string;
                signature?: string;
              };
              const block = blocks.get(event.index);
              if (delta.type === "text_delta" && delta.text) yield { type: "text", delta: delta.text };
              else if (delta.type === "thinking_delta" && delta.thinking)
                yield { type: "thinking", delta: delta.thinking };
              else if (delta.type === "input_json_delta" && block) block.json += delta.partial_json ?? "";
              else if (delta.type === "signature_delta" && block) block.signature += delta.signature ?? "";
              break;
            }
            case "content_block_stop": {
              const block = blocks.get(event.index);
              if (block?.kind === "thinking") yield { type: "thinkingEnd", signature: block.signature || undefined };
              else if (block?.kind === "tool_use")
                calls.push({ id: block.id, name: block.name, arguments: parseToolArguments(block.name, block.json) });
              break;
            }
            case "message_delta":
              if (event.delta.stop_reason) stopReason = STOP[event.delta.stop_reason] ?? "stop";
              output = event.usage?.output_tokens ?? output;
              break;
            default:
              break;
          }
        }
      } catch (error) {
        throw classifyProviderError(error, request.signal);
      }
      yield { type: "usage", input, output };
      for (const call of calls) yield { type: "toolCall", call };
      yield { type: "done", stopReason: calls.length ? "toolUse" : stopReason };
    },
  };
}
