/** What the agent loop and every model backend exchange. @module */

export interface ToolSpec {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the arguments. */
  readonly parameters: Record<string, unknown>;
}

export interface ToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: Record<string, unknown>;
}

/** Reasoning the model showed; Anthropic needs it back, signature and all, to continue a tool loop. */
export interface ThinkingBlock {
  readonly text: string;
  readonly signature?: string | undefined;
}

/** An image the user attached: base64 without a `data:` prefix. */
export interface ImageInput {
  readonly mimeType: string;
  readonly data: string;
}

export type ChatMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string; images?: readonly ImageInput[] }
  | { role: "assistant"; content: string; toolCalls?: ToolCall[]; thinking?: ThinkingBlock[] }
  | { role: "tool"; toolCallId: string; name: string; content: string };

export type ThinkingLevel = "off" | "minimal" | "low" | "medium" | "high" | "xhigh";

export interface ChatRequest {
  readonly model: string;
  readonly messages: ChatMessage[];
  readonly tools: ToolSpec[];
  readonly thinking: ThinkingLevel;
  readonly signal: AbortSignal;
  readonly maxTokens?: number;
}

export type StreamEvent =
  | { type: "text"; delta: string }
  | { type: "thinking"; delta: string }
  /** The end of one thinking block, with the provider's signature when it gives one. */
  | { type: "thinkingEnd"; signature?: string | undefined }
  | { type: "toolCall"; call: ToolCall }
  | { type: "usage"; input: number; output: number }
  | { type: "done"; stopReason: "stop" | "length" | "toolUse" };

export interface ModelBackend {
  readonly api: string;
  readonly provider: string;
  stream(request: ChatRequest): AsyncIterable<StreamEvent>;
}
