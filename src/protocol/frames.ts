/** Frame shapes and their parsing; every frame is one JSON text message. @module */

export type FrameId = string | number;

export interface RequestFrame {
  type: "req";
  id: FrameId;
  method: string;
  params?: unknown;
}

export interface ResponseFrame {
  type: "res";
  id: FrameId;
  ok: boolean;
  payload?: unknown;
  error?: import("./errors.js").ErrorShape;
}

export interface EventFrame {
  type: "event";
  event: string;
  payload?: unknown;
  seq?: number;
  stateVersion?: { presence: number; health: number };
}

export type Frame = RequestFrame | ResponseFrame | EventFrame;

export type ParsedRequest = { ok: true; frame: RequestFrame } | { ok: false; id: FrameId; reason: string };

/** Parses a request frame; `id` may be a string (the reference) or a number (the seed's simple form). */
export function parseRequestFrame(text: string): ParsedRequest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, id: "invalid", reason: `malformed JSON (${(error as Error).message})` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, id: "invalid", reason: "a frame must be a JSON object" };
  }
  const frame = value as Record<string, unknown>;
  const id =
    typeof frame.id === "string" || (typeof frame.id === "number" && Number.isFinite(frame.id)) ? frame.id : undefined;
  if (frame.type !== "req")
    return { ok: false, id: id ?? "invalid", reason: `expected type "req", got ${JSON.stringify(frame.type)}` };
  if (id === undefined || id === "")
    return { ok: false, id: "invalid", reason: "id must be a non-empty string or a number" };
  if (typeof id === "string" && id.length > 256)
    return { ok: false, id: "invalid", reason: "id is longer than 256 characters" };
  if (typeof frame.method !== "string" || frame.method === "" || frame.method.length > 128) {
    return { ok: false, id, reason: "method must be a non-empty string of at most 128 characters" };
  }
  return {
    ok: true,
    frame: { type: "req", id, method: frame.method, ...("params" in frame ? { params: frame.params } : {}) },
  };
}
