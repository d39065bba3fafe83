/** Provider failures sorted into what a person can act on. @module */

export type ProviderErrorKind =
  | "auth"
  | "billing"
  | "rate_limit"
  | "overloaded"
  | "context_length"
  | "network"
  | "aborted"
  | "bad_response"
  | "unknown";

export class ProviderError extends Error {
  override name = "ProviderError";
  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    readonly hint: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

const HINTS: Record<ProviderErrorKind, string> = {
  auth: "The API key was refused: check models.providers.<id>.apiKey or the provider's environment variable (OPENAI_API_KEY, ANTHROPIC_API_KEY, …).",
  billing:
    "The account has no credit or quota left: top it up, or set a fallback model (agents.defaults.model.fallbacks).",
  rate_limit: "The provider is rate-limiting: wait and retry, or add a fallback model.",
  overloaded: "The provider is overloaded right now: retry shortly, or add a fallback model.",
  context_length:
    "The conversation is too long for the model: start a new session (sessions.reset) or pick a model with a larger context.",
  network:
    "The provider could not be reached: check the base URL (models.providers.<id>.baseUrl), the network, and that a local server is running.",
  aborted: "The run was aborted.",
  bad_response: "The provider sent something that is not a valid answer; see the gateway log.",
  unknown: "See the gateway log for the provider's answer.",
};

function retryAfter(headers: Headers | Record<string, string> | undefined): number | undefined {
  const raw = headers instanceof Headers ? headers.get("retry-after") : headers?.["retry-after"];
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Classifies an error thrown by an SDK or by fetch. */
export function classifyProviderError(error: unknown, signal?: AbortSignal): ProviderError {
  if (error instanceof ProviderError) return error;
  const e = error as {
    status?: number;
    message?: string;
    headers?: Headers | Record<string, string>;
    name?: string;
    code?: string;
    cause?: { code?: string };
  };
  const message = e?.message ?? String(error);
  if (signal?.aborted || e?.name === "AbortError" || /aborted/i.test(e?.name ?? ""))
    return new ProviderError("aborted", "the run was aborted", HINTS.aborted);
  const status = e?.status;
  const text = message.toLowerCase();
  let kind: ProviderErrorKind = "unknown";
  // Anthropic names the error type in the body, which is all there is for an error sent mid-stream.
  if (status === 401 || status === 403 || /authentication_error|permission_error/.test(text)) kind = "auth";
  else if (status === 402 || /insufficient[_ ]quota|billing|credit balance/.test(text)) kind = "billing";
  else if (status === 429 || /rate_limit_error/.test(text)) kind = "rate_limit";
  else if (status === 529 || status === 503 || /overloaded/.test(text)) kind = "overloaded";
  else if (status === 400 && /context|too long|maximum.*tokens/.test(text)) kind = "context_length";
  else if (
    status === undefined &&
    (/ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|fetch failed|Connection error|socket hang up|terminated/i.test(
      message,
    ) ||
      e?.cause?.code !== undefined)
  )
    kind = "network";
  return new ProviderError(
    kind,
    `${status ? `HTTP ${status}: ` : ""}${message}`.slice(0, 500),
    HINTS[kind],
    status,
    retryAfter(e?.headers),
  );
}

/** The JSON arguments a model streamed for a tool call (empty means none), or a `bad_response` error. */
export function parseToolArguments(name: string, json: string): Record<string, unknown> {
  try {
    return json.trim() ? (JSON.parse(json) as Record<string, unknown>) : {};
  } catch {
    throw new ProviderError(
      "bad_response",
      `tool call ${name} has arguments that are not JSON`,
      "The model produced malformed tool arguments; retry, or use another model.",
    );
  }
}
