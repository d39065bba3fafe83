/**
 * OpenAI-compatible chat completions, streaming with tool calls, through the official `openai` SDK
 * (loaded on first use; it also covers Ollama, llama.cpp, LM Studio, vLLM and OpenRouter by base URL).
 * @module
 */
import { clientCache, SDK_OPTIONS } from "./client-cache.js";
import { classifyProviderError, parseToolArguments } from "./errors.js";
import type { ResolvedModel } from "./resolve.js";
import type { ChatMessage, ChatRequest, ModelBackend, StreamEvent, ThinkingLevel, ToolCall } from "./types.js";

const EFFORT: Partial<Record<ThinkingLevel, "minimal" | "low" | "medium" | "high">> = {
  minimal: "minimal",
  low: "low",
  medium: "medium",
  high: "high",
  xhigh: "high",
};

function toOpenAI(message: ChatMessage): Record<string, unknown> {
  switch (message.role) {
    case "system":
      return { role: message.role, content: message.content };
    case "user":
      if (!message.images?.length) return { role: "user", content: message.content };
      return {
        role: "user",
        content: [
          ...(message.content ? [{ type: "text", text: message.content }] : []),
          ...message.images.map((i) => ({
            type: "image_url",
            image_url: { url: `data:${i.mimeType};base64,${i.data}` },
          })),
        ],
      };
    case "assistant":
      return {
        role: "assistant",
        content: message.content || null,
        ...(message.toolCalls?.length
          ? {
              tool_calls: message.toolCalls.map((c) => ({
                id: c.id,
                type: "function",
                function: { name: c.name, arguments: JSON.stringify(c.arguments) },
              })),
            }
          : {}),
      };
    case "tool":
      return { role: "tool", tool_call_id: message.toolCallId, content: message.content };
  }
}

type Client = InstanceType<typeof import("openai").default>;
const cachedClient = clientCache<Client>();

/** The SDK is imported on the first call: the gateway and most commands never need it. */
const clientFor = (baseURL: string, apiKey: string) =>
  cachedClient(baseURL, apiKey, async () => {
    const { default: OpenAI } = await import("openai");
    return new OpenAI({ apiKey, baseURL, ...SDK_OPTIONS });
  });

export function createOpenAICompatibleBackend(resolved: ResolvedModel): ModelBackend {
  return {
    api: "openai-completions",
    provider: resolved.provider,
    async *stream(request: ChatRequest): AsyncIterable<StreamEvent> {
      const client = await clientFor(resolved.baseUrl, resolved.apiKey ?? "not-needed");
      const partial = new Map<number, { id: string; name: string; args: string }>();
      let stopReason: "stop" | "length" | "toolUse" = "stop";
      try {
        const stream = await client.chat.completions.create(
          {
            model: request.model,
            messages: request.messages.map(toOpenAI) as never,
            stream: true,
            stream_options: { include_usage: true },
            ...(request.tools.length
              ? {
                  tools: request.tools.map((t) => ({
                    type: "function" as const,
                    function: { name: t.name, description: t.description, parameters: t.parameters },
                  })),
                }
              : {}),
            ...(request.thinking !== "off" && EFFORT[request.thinking]
              ? { reasoning_effort: EFFORT[request.thinking] }
              : {}),
            ...(request.maxTokens ? { max_tokens: request.maxTokens } : {}),
          },
          { signal: request.signal },
        );
        for await (const chunk of stream) {
          if (chunk.usage)
            yield { type: "usage", input: chunk.usage.prompt_tokens ?? 0, output: chunk.usage.completion_tokens ?? 0 };
          const choice = chunk.choices?.[0];
          if (!choice) continue;
          const delta = choice.delta as {
            content?: string | null;
            reasoning_content?: string | null;
            tool_calls?: { index: number; id?: string; function?: { name?: string; arguments?: string } }[];
          };
          if (delta?.reasoning_content) yield { type: "thinking", delta: delta.reasoning_content };
          if (delta?.content) yield { type: "text", delta: delta.content };
          for (const call of delta?.tool_calls ?? []) {
            const current = partial.get(call.index) ?? { id: "", name: "", args: "" };
            if (call.id) current.id = call.id;
            if (call.function?.name) current.name += call.function.name;
            if (call.function?.arguments) current.args += call.function.arguments;
            partial.set(call.index, current);
          }
          if (choice.finish_reason === "length") stopReason = "length";
          if (choice.finish_reason === "tool_calls") stopReason = "toolUse";
        }
      } catch (error) {
        throw classifyProviderError(error, request.signal);
      }
      for (const [index, call] of [...partial.entries()].toSorted((a, b) => a[0] - b[0])) {
        const args = parseToolArguments(call.name, call.args);
        const toolCall: ToolCall = { id: call.id || `call_${index}`, name: call.name, arguments: args };
        yield { type: "toolCall", call: toolCall };
        stopReason = "toolUse";
      }
      yield { type: "done", stopReason };
    },
  };
}
