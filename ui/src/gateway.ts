/**
 * The browser's connection to the gateway: wait for `connect.challenge`, sign it with the device key,
 * `connect` with the tab's token or the device token, then requests and events over one socket. It
 * reconnects with backoff (800 ms x1.7 up to 15 s, as upstream) unless the gateway said the credential
 * is wrong (a retry would only count towards the lockout), keeps retrying while pairing is pending, and
 * treats a socket with no `tick` for two intervals as dead.
 * @module
 */
import { hasScope, requiredScope } from "../../src/protocol/methods.js";
import { PROTOCOL_VERSION } from "../../src/protocol/version.js";
import type { ErrorShape } from "../../src/protocol/errors.js";
import type { EventFrame, ResponseFrame } from "../../src/protocol/frames.js";
import {
  loadDeviceToken,
  loadSharedToken,
  randomId,
  saveDeviceToken,
  saveSharedToken,
  signChallenge,
  type DeviceIdentity,
} from "./identity.js";

export const CLIENT_ID = "openclaw-control-ui";
export const CLIENT_MODE = "webchat";
export const ROLE = "operator";
export const SCOPES = [
  "operator.admin",
  "operator.read",
  "operator.write",
  "operator.approvals",
  "operator.questions",
  "operator.pairing",
] as const;

export interface Hello {
  protocol: number;
  server: { version: string; connId: string };
  features: { methods: string[]; events: string[] };
  snapshot: {
    presence?: unknown[];
    health?: Record<string, unknown>;
    uptimeMs?: number;
    authMode?: string;
    configPath?: string;
    sessionDefaults?: { mainSessionKey?: string; mainKey?: string };
  };
  auth?: { method?: string; role?: string; scopes?: string[]; deviceToken?: string };
  policy: { maxPayload: number; tickIntervalMs: number };
}

export type ConnectionState =
  /** `previous`: the refusal being retried, so a page keeps showing it (the pairing panel) instead of flickering. */
  | { kind: "connecting"; attempt: number; previous?: ErrorShape }
  | { kind: "connected"; hello: Hello }
  /** Waiting: pairing approval, a rate-limit lockout, a gateway still starting, or a dropped socket. */
  | { kind: "waiting"; error: ErrorShape; retryInMs: number }
  /** Stopped until the user gives a credential: retrying would only feed the lockout. */
  | { kind: "needs-auth"; error?: ErrorShape };

export class RequestError extends Error {
  constructor(readonly shape: ErrorShape) {
    super(shape.message);
  }
  get detailCode(): string | undefined {
    return (this.shape.details as { code?: string } | undefined)?.code;
  }
}

/** What the connection needs from the page, passed in so tests and other hosts can provide their own. */
export interface ConnectionWorld {
  readonly url: string;
  /** Loading it (a key import) overlaps with opening the socket. */
  readonly identity: Promise<DeviceIdentity>;
  readonly localStorage: Storage;
  readonly sessionStorage: Storage;
  readonly clientVersion: string;
  readonly WebSocket: typeof WebSocket;
}

const BACKOFF = { firstMs: 800, factor: 1.7, maxMs: 15_000 };
const CHALLENGE_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 30_000;
/** Codes after which retrying with the same credential is pointless. */
const STOP_CODES = new Set([
  "AUTH_TOKEN_MISSING",
  "AUTH_TOKEN_MISMATCH",
  "AUTH_PASSWORD_MISSING",
  "AUTH_PASSWORD_MISMATCH",
  "AUTH_REQUIRED",
  "AUTH_UNAUTHORIZED",
  "AUTH_TOKEN_NOT_CONFIGURED",
  "AUTH_PASSWORD_NOT_CONFIGURED",
  "AUTH_DEVICE_TOKEN_MISMATCH",
  "AUTH_TAILSCALE_IDENTITY_MISMATCH",
  "CONTROL_UI_ORIGIN_NOT_ALLOWED",
  "PROTOCOL_MISMATCH",
]);

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: number };

export class GatewayConnection {
  state: ConnectionState = { kind: "connecting", attempt: 0 };
  readonly #world: ConnectionWorld;
  readonly #onState: (state: ConnectionState) => void;
  readonly #listeners = new Map<string, Set<(payload: unknown) => void>>();
  readonly #pending = new Map<string, Pending>();
  #socket: WebSocket | undefined;
  #attempt = 0;
  #retryTimer: number | undefined;
  #watchdog: number | undefined;
  #lastFrameAt = 0;
  #stopped = false;
  /** A token typed into the login gate: tried once, kept only if the gateway takes it. */
  #candidateToken: string | undefined;

  constructor(world: ConnectionWorld, onState: (state: ConnectionState) => void) {
    this.#world = world;
    this.#onState = onState;
  }

  get hello(): Hello | undefined {
    return this.state.kind === "connected" ? this.state.hello : undefined;
  }

  start(token?: string): void {
    this.#stopped = false;
    this.#candidateToken = token;
    this.#attempt = 0;
    this.#open();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    this.#socket?.close(1000, "closed by the page");
  }

  /** Forgets this tab's token and the device token (the login gate's "forget"), then asks again. */
  async forgetCredentials(): Promise<void> {
    const { deviceId } = await this.#world.identity;
    saveSharedToken(this.#world.sessionStorage, this.#world.url, undefined);
    saveDeviceToken(this.#world.localStorage, this.#world.url, deviceId, ROLE, undefined);
  }

  /** Try again now (the "Check now" button while pairing, or after a lockout). */
  retryNow(): void {
    clearTimeout(this.#retryTimer);
    if (this.state.kind !== "connected") this.#open();
  }

  on(event: string, listener: (payload: unknown) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** The gateway has the method and this connection holds the scope it needs. */
  can(method: string): boolean {
    const hello = this.hello;
    if (!hello?.features.methods.includes(method)) return false;
    // A gateway that names no scopes (protocol 3) decides per request.
    return !hello.auth?.scopes || hasScope(hello.auth.scopes, requiredScope(method));
  }

  request<T = unknown>(method: string, params: unknown = {}, timeoutMs = REQUEST_TIMEOUT_MS): Promise<T> {
    const socket = this.#socket;
    if (!socket || this.state.kind !== "connected" || socket.readyState !== 1)
      return Promise.reject(new RequestError({ code: "UNAVAILABLE", message: "not connected to the gateway" }));
    return this.#send<T>(socket, method, params, timeoutMs);
  }

  #send<T>(socket: WebSocket, method: string, params: unknown, timeoutMs: number): Promise<T> {
    const id = randomId();
    return new Promise<T>((resolve, reject) => {
      const timer = window.setTimeout(() => {
        this.#pending.delete(id);
        reject(new RequestError({ code: "TIMEOUT", message: `${method}: no answer within ${timeoutMs / 1000} s` }));
      }, timeoutMs);
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      socket.send(JSON.stringify({ type: "req", id, method, params }));
    });
  }

  #setState(state: ConnectionState): void {
    this.state = state;
    this.#onState(state);
  }

  #open(): void {
    this.#socket?.close();
    this.#attempt += 1;
    const s = this.state;
    const previous = s.kind === "waiting" ? s.error : s.kind === "connecting" ? s.previous : undefined;
    this.#setState({ kind: "connecting", attempt: this.#attempt, previous });
    const socket = new this.#world.WebSocket(this.#world.url);
    this.#socket = socket;
    let challenged = false;
    const challengeTimer = window.setTimeout(() => {
      if (!challenged) socket.close(4008, "no connect.challenge");
    }, CHALLENGE_TIMEOUT_MS);
    socket.addEventListener("message", (message) => {
      if (socket !== this.#socket) return;
      this.#lastFrameAt = Date.now();
      let frame: ResponseFrame | EventFrame;
      try {
        frame = JSON.parse(String(message.data)) as ResponseFrame | EventFrame;
      } catch {
        return;
      }
      if (frame.type === "event" && frame.event === "connect.challenge" && !challenged) {
        challenged = true;
        clearTimeout(challengeTimer);
        const { nonce, ts } = (frame.payload ?? {}) as { nonce?: string; ts?: number };
        void this.#handshake(socket, String(nonce ?? ""), Number(ts ?? Date.now()));
      } else if (frame.type === "res") this.#settle(frame);
      else if (frame.type === "event")
        for (const listener of this.#listeners.get(frame.event) ?? []) listener(frame.payload);
    });
    socket.addEventListener("close", (event) => {
      clearTimeout(challengeTimer);
      const reason = event.reason || (event.code === 1006 ? "the gateway is unreachable" : `closed (${event.code})`);
      this.#dropped(socket, `disconnected: ${reason}`);
    });
  }

  /** The socket is gone (closed, or declared dead): fail its requests and, unless told to wait, retry. */
  #dropped(socket: WebSocket, message: string): void {
    if (socket !== this.#socket) return;
    this.#socket = undefined;
    clearInterval(this.#watchdog);
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new RequestError({ code: "UNAVAILABLE", message: "the connection to the gateway closed" }));
      this.#pending.delete(id);
    }
    if (this.#stopped || this.state.kind === "needs-auth" || this.state.kind === "waiting") return;
    this.#retryLater({ code: "UNAVAILABLE", message });
  }

  async #handshake(socket: WebSocket, nonce: string, signedAt: number): Promise<void> {
    const world = this.#world;
    const identity = await world.identity;
    const shared = this.#candidateToken ?? loadSharedToken(world.sessionStorage, world.url);
    const device = shared ? undefined : loadDeviceToken(world.localStorage, world.url, identity.deviceId, ROLE);
    // A reconnect on a device token asks for what that token holds, so it is not a scope upgrade.
    const scopes = device?.scopes.length ? [...device.scopes] : [...SCOPES];
    const signed = await signChallenge(identity, {
      clientId: CLIENT_ID,
      clientMode: CLIENT_MODE,
      role: ROLE,
      scopes,
      signedAt,
      token: shared ?? device?.token ?? "",
      nonce,
    });
    const params = {
      minProtocol: PROTOCOL_VERSION,
      maxProtocol: PROTOCOL_VERSION,
      client: {
        id: CLIENT_ID,
        version: world.clientVersion,
        platform: navigator.platform || "web",
        mode: CLIENT_MODE,
        instanceId: randomId(),
        timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      },
      role: ROLE,
      scopes,
      caps: ["tool-events"],
      // The gateway reads the field of its auth mode; a password is never stored, a token only on success.
      auth: shared ? { token: shared, password: shared } : device ? { deviceToken: device.token } : {},
      device: signed,
      locale: navigator.language,
      userAgent: navigator.userAgent,
    };
    try {
      const hello = await this.#send<Hello>(socket, "connect", params, 15_000);
      if (socket !== this.#socket) return;
      if (shared) saveSharedToken(world.sessionStorage, world.url, shared);
      this.#candidateToken = undefined;
      if (hello.auth?.deviceToken)
        saveDeviceToken(world.localStorage, world.url, identity.deviceId, ROLE, {
          token: hello.auth.deviceToken,
          scopes: hello.auth.scopes ?? scopes,
        });
      this.#attempt = 0;
      this.#watch(socket, hello.policy.tickIntervalMs);
      this.#setState({ kind: "connected", hello });
    } catch (error) {
      // The refusal counts even when the close that follows it was seen first; not once a newer socket is open.
      if ((this.#socket && socket !== this.#socket) || !(error instanceof RequestError)) return;
      this.#refused(error.shape, identity.deviceId, {
        usedShared: shared !== undefined,
        usedDevice: device !== undefined,
      });
    }
  }

  #refused(error: ErrorShape, deviceId: string, used: { usedShared: boolean; usedDevice: boolean }): void {
    const code = (error.details as { code?: string } | undefined)?.code ?? error.code;
    if (code === "AUTH_DEVICE_TOKEN_MISMATCH" || (used.usedDevice && code === "PAIRING_REQUIRED")) {
      // The device token is stale (revoked, or the gateway's pairing was reset): drop it.
      saveDeviceToken(this.#world.localStorage, this.#world.url, deviceId, ROLE, undefined);
    }
    if (used.usedShared && STOP_CODES.has(code)) {
      saveSharedToken(this.#world.sessionStorage, this.#world.url, undefined);
      this.#candidateToken = undefined;
    }
    if (STOP_CODES.has(code)) {
      clearTimeout(this.#retryTimer);
      this.#setState({ kind: "needs-auth", error });
      return;
    }
    this.#retryLater(error);
  }

  #retryLater(error: ErrorShape): void {
    const backoff = Math.min(BACKOFF.maxMs, BACKOFF.firstMs * BACKOFF.factor ** Math.max(0, this.#attempt - 1));
    const retryInMs = Math.max(backoff, error.retryAfterMs ?? 0);
    this.#setState({ kind: "waiting", error, retryInMs });
    clearTimeout(this.#retryTimer);
    this.#retryTimer = window.setTimeout(() => this.#open(), retryInMs);
  }

  #settle(frame: ResponseFrame): void {
    const pending = this.#pending.get(String(frame.id));
    if (!pending) return;
    this.#pending.delete(String(frame.id));
    clearTimeout(pending.timer);
    if (frame.ok) pending.resolve(frame.payload);
    else pending.reject(new RequestError(frame.error ?? { code: "UNKNOWN", message: "request failed" }));
  }

  #watch(socket: WebSocket, tickIntervalMs: number): void {
    clearInterval(this.#watchdog);
    this.#lastFrameAt = Date.now();
    const limit = Math.max(2 * tickIntervalMs, 10_000);
    this.#watchdog = window.setInterval(() => {
      if (Date.now() - this.#lastFrameAt > limit) {
        // A dead peer may never complete the close handshake, so the socket is dropped at once.
        this.#dropped(socket, "the gateway stopped answering (no tick)");
        socket.close(4000, "no tick from the gateway");
      }
    }, 1000);
  }
}
