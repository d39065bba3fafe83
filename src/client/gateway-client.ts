/**
 * `GatewayClient`: connects to a gateway (challenge, `connect`), calls methods with timeouts, delivers
 * events, and reconnects with backoff when asked to. Used by the CLI, the tests and the benchmarks.
 * @module
 */
import WebSocket from "ws";
import type { ErrorShape, EventFrame, ResponseFrame } from "../protocol/index.js";
import { CLI_DEFAULT_SCOPES, CloseCodes, PROTOCOL_VERSION } from "../protocol/index.js";

export interface GatewayClientOptions {
  readonly url: string;
  /** PEM certificates to trust for wss:// besides the system's (a self-signed gateway certificate). */
  readonly ca?: string | Buffer | undefined;
  readonly token?: string | undefined;
  readonly password?: string | undefined;
  readonly clientId?: string;
  readonly clientMode?: string;
  readonly version?: string;
  readonly scopes?: readonly string[];
  readonly role?: string;
  readonly minProtocol?: number;
  readonly maxProtocol?: number;
  /** Time for the socket to open and the handshake to finish. */
  readonly connectTimeoutMs?: number;
  /** Reconnect after an unexpected close, with exponential backoff (bounded attempts). */
  readonly reconnect?: { maxAttempts: number; initialDelayMs?: number; maxDelayMs?: number };
  /** Sent as the Origin header (browser-like clients). */
  readonly origin?: string;
}

/** A failed call or handshake, with the gateway's error code and details. */
export class GatewayCallError extends Error {
  override name = "GatewayCallError";
  readonly code: string;
  readonly details: unknown;
  readonly retryAfterMs: number | undefined;
  constructor(error: ErrorShape) {
    super(error.message);
    this.code = error.code;
    this.details = error.details;
    this.retryAfterMs = error.retryAfterMs;
  }
}

/** The transport failed: refused, timed out, closed, refused upgrade. `kind` says which. */
export class GatewayConnectError extends Error {
  override name = "GatewayConnectError";
  constructor(
    message: string,
    readonly kind: "refused" | "timeout" | "closed" | "rejected" | "tls" | "network",
    readonly closeCode?: number,
  ) {
    super(message);
  }
}

type Pending = {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  expectFinal: boolean;
};
type IncomingFrame = {
  type?: string;
  event?: string;
  id?: unknown;
  ok?: boolean;
  payload?: unknown;
  error?: ErrorShape;
};

export class GatewayClient {
  readonly options: GatewayClientOptions;
  hello: Record<string, unknown> | undefined;
  #ws: WebSocket | undefined;
  #nextId = 1;
  #closedByUser = false;
  #attempt = 0;
  #everConnected = false;
  /** Set when the gateway refused our credential: retrying it would only spend the failed-login budget. */
  #authRefused = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  readonly #pending = new Map<string, Pending>();
  readonly #eventListeners = new Set<(event: EventFrame) => void>();
  readonly #closeListeners = new Set<(code: number, reason: string) => void>();
  readonly #connectListeners = new Set<(hello: Record<string, unknown>) => void>();

  constructor(options: GatewayClientOptions) {
    this.options = options;
  }

  get connected(): boolean {
    return this.#ws?.readyState === WebSocket.OPEN && this.hello !== undefined;
  }

  onEvent(listener: (event: EventFrame) => void): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  onClose(listener: (code: number, reason: string) => void): () => void {
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  /** Called after every successful handshake, reconnects included. */
  onConnect(listener: (hello: Record<string, unknown>) => void): () => void {
    this.#connectListeners.add(listener);
    return () => this.#connectListeners.delete(listener);
  }

  /** Opens the socket and completes the handshake; resolves with the `hello-ok` payload. */
  connect(): Promise<Record<string, unknown>> {
    this.#closedByUser = false;
    const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
    const ws = new WebSocket(this.options.url, {
      handshakeTimeout: timeoutMs,
      maxPayload: 64 * 1024 * 1024,
      perMessageDeflate: false,
      ...(this.options.origin ? { origin: this.options.origin } : {}),
      ...(this.options.ca ? { ca: this.options.ca } : {}),
    });
    this.#ws = ws;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ws.terminate();
        reject(error);
      };
      const timer = setTimeout(
        () =>
          fail(
            new GatewayConnectError(
              `timed out after ${timeoutMs} ms waiting for the gateway handshake (${this.options.url})`,
              "timeout",
            ),
          ),
        timeoutMs,
      );
      ws.on("unexpected-response", (_req, res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () =>
          fail(
            new GatewayConnectError(
              `the gateway refused the connection: HTTP ${res.statusCode}${body ? ` ${body.trim()}` : ""}`,
              "rejected",
            ),
          ),
        );
      });
      ws.on("error", (error: NodeJS.ErrnoException) => {
        const refused = error.code === "ECONNREFUSED";
        const kind = refused
          ? "refused"
          : /certificate|SSL|TLS|wrong version number/i.test(error.message)
            ? "tls"
            : "network";
        fail(new GatewayConnectError(`${refused ? "connection refused" : error.message} (${this.options.url})`, kind));
      });
      ws.on("close", (code, reason) => {
        fail(
          new GatewayConnectError(
            `the gateway closed the connection during the handshake (${code}${reason.length ? ` ${reason.toString()}` : ""})`,
            "closed",
            code,
          ),
        );
        this.#handleClose(ws, code, reason.toString());
      });
      ws.on("message", (data) => {
        let frame: IncomingFrame;
        try {
          frame = JSON.parse(data.toString()) as IncomingFrame;
        } catch {
          return;
        }
        if (settled) {
          this.#dispatch(frame as ResponseFrame | EventFrame);
          return;
        }
        if (frame.type === "event" && frame.event === "connect.challenge") {
          ws.send(JSON.stringify({ type: "req", id: "connect", method: "connect", params: this.#connectParams() }));
        } else if (frame.type === "res" && frame.id === "connect") {
          if (!frame.ok) {
            if (frame.error?.code === "AUTH_FAILED") this.#authRefused = true;
            fail(new GatewayCallError(frame.error ?? { code: "UNAVAILABLE", message: "connect failed" }));
            return;
          }
          settled = true;
          clearTimeout(timer);
          this.hello = frame.payload as Record<string, unknown>;
          this.#attempt = 0;
          this.#everConnected = true;
          for (const listener of this.#connectListeners) listener(this.hello);
          resolve(this.hello);
        }
      });
    });
  }

  /** Calls a method and resolves with its payload, or rejects with a GatewayCallError. */
  /**
   * Calls a method and resolves with its payload, or rejects with a GatewayCallError. With `expectFinal`,
   * an `accepted` first answer is skipped and the second response with the same id is awaited.
   */
  call<T = unknown>(
    method: string,
    params: unknown = {},
    timeoutMs = 10_000,
    options: { expectFinal?: boolean } = {},
  ): Promise<T> {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || !this.hello) {
      return Promise.reject(new GatewayConnectError("not connected to the gateway", "closed"));
    }
    const id = String(this.#nextId++);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new GatewayConnectError(`${method} timed out after ${timeoutMs} ms`, "timeout"));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: resolve as (v: unknown) => void,
        reject,
        timer,
        expectFinal: options.expectFinal === true,
      });
      ws.send(JSON.stringify({ type: "req", id, method, params }));
    });
  }

  /** Sends raw text (tests use it for malformed frames). */
  sendRaw(text: string): void {
    this.#ws?.send(text);
  }

  close(): Promise<void> {
    this.#closedByUser = true;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    const ws = this.#ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 1000);
      ws.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      ws.close(1000);
    });
  }

  #connectParams(): Record<string, unknown> {
    const o = this.options;
    return {
      minProtocol: o.minProtocol ?? PROTOCOL_VERSION,
      maxProtocol: o.maxProtocol ?? PROTOCOL_VERSION,
      client: {
        id: o.clientId ?? "cli",
        version: o.version ?? "0.0.0",
        platform: process.platform,
        mode: o.clientMode ?? "cli",
      },
      role: o.role ?? "operator",
      scopes: [...(o.scopes ?? CLI_DEFAULT_SCOPES)],
      ...(o.token || o.password
        ? { auth: { ...(o.token ? { token: o.token } : {}), ...(o.password ? { password: o.password } : {}) } }
        : {}),
    };
  }

  #dispatch(frame: ResponseFrame | EventFrame): void {
    if (frame.type === "res") {
      const pending = this.#pending.get(String(frame.id));
      if (!pending) return;
      if (pending.expectFinal && frame.ok && (frame.payload as { status?: string } | undefined)?.status === "accepted")
        return;
      this.#pending.delete(String(frame.id));
      clearTimeout(pending.timer);
      if (frame.ok) pending.resolve(frame.payload);
      else pending.reject(new GatewayCallError(frame.error ?? { code: "UNAVAILABLE", message: "request failed" }));
    } else if (frame.type === "event") {
      for (const listener of this.#eventListeners) listener(frame);
    }
  }

  #handleClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.#ws) return;
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(
        new GatewayConnectError(`connection closed (${code}${reason ? ` ${reason}` : ""})`, "closed", code),
      );
      this.#pending.delete(id);
    }
    this.hello = undefined;
    for (const listener of this.#closeListeners) listener(code, reason);
    const policy = this.options.reconnect;
    // The credential changed under us (4001) or was refused: the same one will not do on a reconnect.
    if (code === CloseCodes.AUTH_CHANGED) this.#authRefused = true;
    if (
      !this.#everConnected ||
      this.#authRefused ||
      this.#closedByUser ||
      !policy ||
      this.#reconnectTimer ||
      this.#attempt >= policy.maxAttempts
    )
      return;
    const delay = Math.min(policy.maxDelayMs ?? 10_000, (policy.initialDelayMs ?? 250) * 2 ** this.#attempt++);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#closedByUser) return;
      // A failed attempt closes its socket, which schedules the next one.
      this.connect().catch(() => undefined);
    }, delay);
    this.#reconnectTimer.unref();
  }
}
