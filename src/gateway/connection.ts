/**
 * One WebSocket client: challenge, the `connect` handshake (protocol, role, auth, rate limit), then
 * requests dispatched by scope, with bounds on frame size, queued bytes and requests in flight.
 * @module
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { WebSocket } from "ws";
import { isLoopbackAddress } from "../config/bind.js";
import { describeClient, parseConnectParams, type ConnectParams } from "../protocol/connect.js";
import {
  closeReason,
  CloseCodes,
  ConnectErrorDetailCodes,
  ErrorCodes,
  GatewayError,
  type ErrorShape,
} from "../protocol/errors.js";
import { parseRequestFrame, type FrameId, type RequestFrame } from "../protocol/frames.js";
import {
  CLI_DEFAULT_SCOPES,
  hasScope,
  NODE_METHODS,
  OPERATOR_SCOPES,
  requiredScope,
  ROLES,
  type GatewayEvent,
  type Role,
} from "../protocol/methods.js";
import {
  negotiateProtocol,
  PROTOCOL_VERSION,
  MIN_PROBE_PROTOCOL_VERSION,
  type ProtocolVersion,
} from "../protocol/version.js";
import { checkSharedSecret, expectedSource } from "./auth.js";
import { admitDevice, deviceRequired, deviceTokenValid, type DeviceContext } from "./device-admission.js";
import { verifyDeviceProof } from "./device-identity.js";
import { serveRequestOf, verifyServeIdentity, type ServeRequest } from "./tailscale.js";
import type { EventOptions, PresenceEntry, RegisteredClient } from "./clients.js";
import { buildHello } from "./hello.js";
import { findMethod, type MethodHandler } from "./methods/index.js";
import type { GatewayRuntime } from "./runtime.js";

export interface ConnectionInfo {
  readonly id: string;
  readonly remoteAddress: string;
  readonly isLoopback: boolean;
  readonly protocol: ProtocolVersion;
  /** Where this client reached the gateway (`http://host:port`), for links handed to it. */
  readonly httpBase: string;
  readonly role: Role;
  readonly scopes: readonly string[];
  readonly authMethod: string;
  /** Set when this handshake issued a device token (sent once, in hello-ok). */
  readonly issuedDeviceToken?: string | undefined;
}

export class GatewayConnection implements RegisteredClient, ConnectionInfo {
  readonly id = randomUUID();
  readonly remoteAddress: string;
  readonly isLoopback: boolean;
  readonly httpBase: string;
  readonly openedAt = Date.now();
  protocol: ProtocolVersion = PROTOCOL_VERSION as ProtocolVersion;
  role: Role = "operator";
  scopes: string[] = [];
  authMethod = "none";
  #corked = false;
  /** The identity a Tailscale Serve request claims (checked with whois before it counts). */
  readonly #serveClaim: ServeRequest | undefined;
  #verifying = false;
  /** The challenge this connection was given: a device signature must be over it. */
  readonly #nonce = randomUUID();
  #directLocal = false;
  /** A device token issued during this handshake, handed over once in hello-ok. */
  issuedDeviceToken: string | undefined;
  #state: "handshake" | "open" | "closed" = "handshake";
  #wasAuthenticated = false;
  #closeNotified = false;
  #params: ConnectParams | undefined;
  #inflight = 0;
  #preauthBytes = 0;
  #unauthorizedStreak = 0;
  #connectedAt = 0;
  #handshakeTimer: NodeJS.Timeout | undefined;
  /** Frames received while the client's send queue is over the high-water mark, answered once it drains. */
  readonly #backlog: RequestFrame[] = [];
  #intakeHeld = false;
  #stallTimer: NodeJS.Timeout | undefined;
  readonly #inflightDone = new Set<() => void>();
  readonly #ws: WebSocket;
  readonly #socket: Socket;
  readonly #runtime: GatewayRuntime;
  readonly #onClose: (connection: GatewayConnection) => void;

  constructor(
    ws: WebSocket,
    request: IncomingMessage,
    runtime: GatewayRuntime,
    onClose: (connection: GatewayConnection) => void,
  ) {
    this.#ws = ws;
    this.#socket = request.socket;
    this.#runtime = runtime;
    this.#onClose = onClose;
    this.remoteAddress = normalizeAddress(request.socket.remoteAddress ?? "unknown");
    this.isLoopback = isLoopbackAddress(this.remoteAddress);
    this.httpBase = httpBaseOf(request);
    this.#serveClaim = serveRequestOf(request, this.isLoopback);
    this.#directLocal = isDirectLocal(request);
  }

  get authenticated(): boolean {
    return this.#state === "open";
  }

  /** True once the handshake succeeded, also after the socket closed. */
  get wasAuthenticated(): boolean {
    return this.#wasAuthenticated;
  }

  get pending(): boolean {
    return this.#state === "handshake";
  }

  get inflight(): number {
    return this.#inflight;
  }

  /** Sends the challenge and starts the handshake clock. */
  start(): void {
    const limits = this.#runtime.limits;
    // Count raw bytes before auth so a large frame is refused while it arrives, not after it is buffered.
    const countPreauth = (chunk: Buffer) => {
      if (this.#state !== "handshake") {
        this.#socket.off("data", countPreauth);
        return;
      }
      this.#preauthBytes += chunk.length;
      if (this.#preauthBytes > limits.maxPreauthPayload + 1024)
        this.close(CloseCodes.MESSAGE_TOO_BIG, "preauth payload too large");
    };
    this.#socket.on("data", countPreauth);
    this.#handshakeTimer = setTimeout(() => {
      this.#runtime.log.debug("handshake timeout", { conn: this.id, ip: this.remoteAddress });
      this.close(CloseCodes.NORMAL, "");
    }, limits.handshakeTimeoutMs);
    this.#ws.on("message", (data, isBinary) => this.#onMessage(data as Buffer, isBinary));
    this.#ws.on("close", () => this.#closed());
    this.#ws.on("error", (error) => {
      this.#runtime.log.debug("socket error", { conn: this.id, error: error.message });
      this.#closed();
    });
    this.sendEvent("connect.challenge", { nonce: this.#nonce, ts: Date.now() });
  }

  presence(): PresenceEntry | undefined {
    if (!this.#params) return undefined;
    const client = describeClient(this.#params);
    return {
      ip: this.remoteAddress,
      version: client.version,
      platform: client.platform,
      mode: client.mode,
      reason: "connect",
      text: `${client.id}${client.version ? ` ${client.version}` : ""}`,
      ts: this.#connectedAt,
      ...(this.#params.client?.instanceId ? { instanceId: this.#params.client.instanceId } : {}),
      ...(this.#params.client?.deviceFamily ? { deviceFamily: this.#params.client.deviceFamily } : {}),
      roles: [this.role],
      scopes: [...this.scopes],
    };
  }

  /** An event for this connection alone: no `seq`, which counts broadcasts (as upstream). */
  sendEvent(event: GatewayEvent, payload: unknown, options: EventOptions = {}): void {
    this.#send({ type: "event", event, payload }, options.dropIfSlow === true);
  }

  sendEncodedEvent(frame: Buffer, dropIfSlow: boolean): void {
    this.#sendText(frame, dropIfSlow);
  }

  /** Closes with a code and reason (the close frame is sent when the socket can still take it). */
  close(code: number, reason: string): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    clearTimeout(this.#handshakeTimer);
    clearInterval(this.#stallTimer);
    this.#backlog.length = 0;
    try {
      this.#ws.close(code, closeReason(reason));
    } catch {
      this.#ws.terminate();
    }
    // A peer that never answers the close frame must not hold the socket.
    setTimeout(() => this.#ws.terminate(), 2000).unref();
    this.#closed();
  }

  /** Resolves when the requests in flight are answered, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void> {
    if (this.#inflight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#inflightDone.delete(check);
        resolve();
      };
      const check = () => {
        if (this.#inflight === 0) done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#inflightDone.add(check);
    });
  }

  #send(frame: object, dropIfSlow: boolean): void {
    this.#sendText(JSON.stringify(frame), dropIfSlow);
  }

  /** Sends a text frame: a string, or bytes that are UTF-8 text (a broadcast's shared buffer). */
  #sendText(text: string | Buffer, dropIfSlow: boolean): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    const size = typeof text === "string" ? Buffer.byteLength(text) : text.length;
    if (this.#ws.bufferedAmount + size > this.#runtime.limits.maxBufferedBytes) {
      if (dropIfSlow) return;
      this.#runtime.log.warn("slow consumer disconnected", {
        conn: this.id,
        ip: this.remoteAddress,
        buffered: this.#ws.bufferedAmount,
      });
      this.close(CloseCodes.POLICY_VIOLATION, "slow consumer");
      this.#ws.terminate(); // the close frame would wait behind the data it cannot drain
      return;
    }
    // Frames sent in one tick (a delta, its chat event, a response) leave in one write.
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.#socket.uncork();
      });
    }
    this.#ws.send(text, { binary: false });
    if (this.#state === "open" && !this.#intakeHeld && this.#congested()) this.#holdIntake();
  }

  #congested(): boolean {
    return this.#ws.bufferedAmount > this.#runtime.limits.sendHighWaterBytes;
  }

  /**
   * Back-pressure: while a client has more than the high-water mark queued, its socket is not read and
   * its requests wait, so a client that asks for large answers and stops reading costs neither memory nor
   * other clients' latency. One whose queue does not go down for `stalledReaderMs` is disconnected.
   */
  #holdIntake(): void {
    this.#intakeHeld = true;
    this.#ws.pause();
    const limits = this.#runtime.limits;
    let lowest = this.#ws.bufferedAmount;
    let progressAt = Date.now();
    clearInterval(this.#stallTimer);
    this.#stallTimer = setInterval(() => {
      if (!this.#congested()) {
        this.#releaseIntake();
        return;
      }
      const queued = this.#ws.bufferedAmount;
      if (queued < lowest) [lowest, progressAt] = [queued, Date.now()];
      else if (Date.now() - progressAt >= limits.stalledReaderMs) {
        this.#runtime.log.warn("slow consumer disconnected", {
          conn: this.id,
          ip: this.remoteAddress,
          buffered: queued,
          stalledMs: Date.now() - progressAt,
        });
        this.close(CloseCodes.POLICY_VIOLATION, "slow consumer");
        this.#ws.terminate();
      }
    }, 100);
  }

  #releaseIntake(): void {
    clearInterval(this.#stallTimer);
    this.#intakeHeld = false;
    // In arrival order; each checks the queue again before its handler runs, and waits again if it is full.
    for (const frame of this.#backlog.splice(0)) void this.#request(frame);
    this.#ws.resume();
  }

  /** Keeps a request for later, or refuses it when too many already wait. */
  #defer(frame: RequestFrame): void {
    const limit = this.#runtime.limits.maxInflightPerConnection;
    if (this.#backlog.length < limit) {
      this.#backlog.push(frame);
      return;
    }
    this.#respond(frame.id, {
      ok: false,
      error: {
        code: ErrorCodes.UNAVAILABLE,
        message: `too many requests waiting while this client reads its answers (limit ${limit})`,
        retryable: true,
        retryAfterMs: 1000,
      },
    });
  }

  #respond(id: FrameId, result: { ok: true; payload: unknown } | { ok: false; error: ErrorShape }): void {
    this.#send(
      result.ok
        ? { type: "res", id, ok: true, payload: result.payload }
        : { type: "res", id, ok: false, error: result.error },
      false,
    );
  }

  #closed(): void {
    this.#state = "closed";
    clearTimeout(this.#handshakeTimer);
    clearInterval(this.#stallTimer);
    this.#backlog.length = 0;
    if (this.#closeNotified) return;
    this.#closeNotified = true;
    this.#onClose(this);
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (this.#state === "closed") return;
    if (this.#state === "handshake") {
      if (data.length > this.#runtime.limits.maxPreauthPayload) {
        this.close(CloseCodes.MESSAGE_TOO_BIG, "preauth payload too large");
        return;
      }
      // One connect at a time: a second frame while the Tailscale identity is checked ends the socket.
      if (this.#verifying) this.close(CloseCodes.POLICY_VIOLATION, "connect already in progress");
      else this.#handshake(isBinary ? "" : data.toString("utf8"));
      return;
    }
    this.#dispatch(data, isBinary);
  }

  #dispatch(data: Buffer, isBinary: boolean): void {
    const parsed = isBinary
      ? ({ ok: false, id: "invalid", reason: "binary frames are not accepted" } as const)
      : parseRequestFrame(data.toString("utf8"));
    if (!parsed.ok) {
      this.#respond(parsed.id, {
        ok: false,
        error: { code: ErrorCodes.INVALID_REQUEST, message: `invalid request frame: ${parsed.reason}` },
      });
      return;
    }
    if (this.#intakeHeld) this.#defer(parsed.frame);
    else void this.#request(parsed.frame);
  }

  #handshake(text: string): void {
    const parsed = parseRequestFrame(text);
    if (!parsed.ok) {
      this.close(CloseCodes.POLICY_VIOLATION, "invalid request frame");
      return;
    }
    const { frame } = parsed;
    const fail = (error: ErrorShape, code: number, reason: string) => {
      this.#respond(frame.id, { ok: false, error });
      this.close(code, reason);
    };
    if (frame.method !== "connect") {
      const message = "invalid handshake: first request must be connect";
      fail({ code: ErrorCodes.INVALID_REQUEST, message }, CloseCodes.POLICY_VIOLATION, message);
      return;
    }
    const connect = parseConnectParams(frame.params);
    if (!connect.ok) {
      fail(
        { code: ErrorCodes.INVALID_REQUEST, message: connect.message },
        CloseCodes.POLICY_VIOLATION,
        connect.message,
      );
      return;
    }
    const params = connect.params;
    const protocol = negotiateProtocol(params.minProtocol, params.maxProtocol);
    if (protocol === undefined) {
      fail(
        {
          code: ErrorCodes.INVALID_REQUEST,
          message: "protocol mismatch",
          details: {
            code: ConnectErrorDetailCodes.PROTOCOL_MISMATCH,
            clientMinProtocol: params.minProtocol,
            clientMaxProtocol: params.maxProtocol,
            expectedProtocol: PROTOCOL_VERSION,
            minimumProbeProtocol: MIN_PROBE_PROTOCOL_VERSION,
          },
        },
        CloseCodes.PROTOCOL_ERROR,
        "protocol mismatch",
      );
      return;
    }
    const role = (params.role ?? "operator") as Role;
    if (!(ROLES as readonly string[]).includes(role)) {
      fail({ code: ErrorCodes.INVALID_REQUEST, message: "invalid role" }, CloseCodes.POLICY_VIOLATION, "invalid role");
      return;
    }

    const limiter = this.#runtime.rateLimiter;
    const waitMs = limiter.retryAfterMs(this.remoteAddress);
    if (waitMs > 0) {
      const message = `too many failed authentication attempts; try again in ${Math.ceil(waitMs / 1000)} s`;
      fail(
        {
          code: ErrorCodes.AUTH_FAILED,
          message,
          details: {
            code: ConnectErrorDetailCodes.AUTH_RATE_LIMITED,
            authReason: "rate_limited",
            recommendedNextStep: "wait_then_retry",
          },
          retryable: true,
          retryAfterMs: waitMs,
        },
        CloseCodes.POLICY_VIOLATION,
        message,
      );
      return;
    }
    // A device's identity: checked before the secret, and a failure counts like a wrong secret.
    const proof = params.device
      ? verifyDeviceProof(params.device, {
          nonce: this.#nonce,
          clientId: params.client?.id ?? "",
          clientMode: params.client?.mode ?? "",
          role,
          scopes: params.scopes ?? [],
          token: params.auth?.token ?? params.auth?.deviceToken ?? params.auth?.bootstrapToken ?? "",
          now: Date.now(),
        })
      : undefined;
    if (proof && !proof.ok) {
      this.#refuseAuth(frame.id, params, { reason: proof.reason, detailCode: proof.code, message: proof.message });
      return;
    }
    const deviceCtx: DeviceContext = {
      store: this.#runtime.devices,
      device: proof,
      clientId: params.client?.id ?? params.clientName ?? "",
      clientMode: params.client?.mode ?? "",
      platform: params.client?.platform,
      role,
      scopes: params.scopes ?? [...CLI_DEFAULT_SCOPES],
      remoteIp: this.remoteAddress,
      directLocal: this.#directLocal,
      authMode: this.#runtime.auth.mode,
    };
    const identityRequired = deviceRequired(deviceCtx);
    if (identityRequired) {
      const message = "control ui requires device identity (a browser key pair that signs the connect challenge)";
      fail(
        { code: ErrorCodes.INVALID_REQUEST, message, details: { code: identityRequired } },
        CloseCodes.POLICY_VIOLATION,
        message,
      );
      return;
    }
    const outcome = checkSharedSecret(this.#runtime.auth, {
      token: params.auth?.token,
      password: params.auth?.password,
    });
    // No shared secret, but a paired device's token: that is the device's credential.
    if (!outcome.ok && params.auth?.deviceToken && outcome.reason.endsWith("_missing") && proof) {
      const valid = this.#withDeviceStore(frame.id, () => deviceTokenValid(deviceCtx, params.auth!.deviceToken!));
      if (valid === undefined) return;
      if (valid) this.#admit(frame.id, params, protocol, role, "device-token", deviceCtx);
      else
        this.#refuseAuth(frame.id, params, {
          reason: "device_token_mismatch",
          detailCode: ConnectErrorDetailCodes.AUTH_DEVICE_TOKEN_MISMATCH,
          message: "unauthorized: device token mismatch (re-pair the device)",
        });
      return;
    }
    // No credential at all, but the request came through Tailscale Serve: the tailnet identity may do.
    if (
      !outcome.ok &&
      outcome.reason.endsWith("_missing") &&
      this.#serveClaim &&
      this.#runtime.settings.tailscale.allowIdentity
    ) {
      this.#verifying = true;
      void verifyServeIdentity(this.#runtime.tailscale, this.#serveClaim).then((identity) => {
        this.#verifying = false;
        if (this.#state !== "handshake") return;
        if (identity.ok) this.#accept(frame.id, params, protocol, role, "tailscale", identity.login);
        else
          this.#refuseAuth(frame.id, params, {
            reason: identity.reason,
            detailCode:
              identity.reason === "tailscale_user_mismatch"
                ? ConnectErrorDetailCodes.AUTH_TAILSCALE_IDENTITY_MISMATCH
                : ConnectErrorDetailCodes.AUTH_TAILSCALE_WHOIS_FAILED,
            message: `unauthorized: ${identity.message}`,
          });
      });
      return;
    }
    if (!outcome.ok) {
      this.#refuseAuth(frame.id, params, outcome);
      return;
    }
    this.#admit(frame.id, params, protocol, role, outcome.method, deviceCtx);
  }

  /** Gateway auth passed: a device is paired, or waits for approval (not an auth failure). */
  #admit(
    id: FrameId,
    params: ConnectParams,
    protocol: ProtocolVersion,
    role: Role,
    method: string,
    deviceCtx: DeviceContext,
  ): void {
    const admission = this.#withDeviceStore(id, () => admitDevice(deviceCtx));
    if (!admission) return;
    if (admission.kind === "admit") {
      this.issuedDeviceToken = admission.deviceToken;
      this.#accept(id, params, protocol, role, method);
      return;
    }
    const message = "pairing required: approve this device on the gateway host (openclaw devices approve <requestId>)";
    this.#respond(id, {
      ok: false,
      error: {
        code: ErrorCodes.NOT_PAIRED,
        message,
        details: {
          code: ConnectErrorDetailCodes.PAIRING_REQUIRED,
          reason: admission.reason,
          ...(admission.requestId ? { requestId: admission.requestId } : {}),
          recommendedNextStep: "wait_then_retry",
        },
        retryable: true,
      },
    });
    if (admission.created && admission.requestId)
      this.#runtime.clients.broadcast(
        "device.pair.requested",
        {
          requestId: admission.requestId,
          deviceId: admission.deviceId,
          reason: admission.reason,
          clientId: deviceCtx.clientId,
          remoteIp: deviceCtx.remoteIp,
          ts: Date.now(),
        },
        { scope: "operator.pairing" },
      );
    this.close(CloseCodes.POLICY_VIOLATION, "pairing required");
  }

  /** Runs `use` on the device files; when they cannot be read, the client is told so and disconnected. */
  #withDeviceStore<T>(id: FrameId, use: () => T): T | undefined {
    try {
      return use();
    } catch (error) {
      const message = `device pairing is unavailable: ${(error as Error).message}`;
      this.#runtime.log.error(message);
      this.#respond(id, { ok: false, error: { code: ErrorCodes.UNAVAILABLE, message, retryable: true } });
      this.close(CloseCodes.POLICY_VIOLATION, "device pairing unavailable");
      return undefined;
    }
  }

  #refuseAuth(
    id: FrameId,
    params: ConnectParams,
    outcome: { reason: string; detailCode: string; message: string },
  ): void {
    const lockout = this.#runtime.rateLimiter.recordFailure(this.remoteAddress);
    this.#runtime.metrics.inc("openclaw_auth_failures_total", { reason: outcome.reason });
    this.#runtime.log.warn("authentication failed", {
      ip: this.remoteAddress,
      reason: outcome.reason,
      client: describeClient(params).id,
    });
    this.#respond(id, {
      ok: false,
      error: {
        code: ErrorCodes.AUTH_FAILED,
        message: outcome.message,
        details: {
          code: outcome.detailCode,
          authReason: outcome.reason,
          canRetryWithDeviceToken: false,
          recommendedNextStep: "update_auth_credentials",
          authMode: this.#runtime.auth.mode,
          ...(expectedSource(this.#runtime.auth) ? { authSource: expectedSource(this.#runtime.auth) } : {}),
          ...(lockout > 0 ? { lockedOutForMs: lockout } : {}),
        },
      },
    });
    this.close(CloseCodes.POLICY_VIOLATION, outcome.message);
  }

  #accept(
    id: FrameId,
    params: ConnectParams,
    protocol: ProtocolVersion,
    role: Role,
    method: string,
    user?: string,
  ): void {
    this.#params = params;
    this.protocol = protocol;
    this.role = role;
    this.authMethod = method;
    // The shared secret is full trust: a client gets the scopes it asks for (all of the CLI's when it names none).
    const requested = params.scopes ?? [...CLI_DEFAULT_SCOPES];
    this.scopes =
      role === "operator" ? requested.filter((s) => (OPERATOR_SCOPES as readonly string[]).includes(s)) : [];
    this.#state = "open";
    this.#wasAuthenticated = true;
    this.#connectedAt = Date.now();
    clearTimeout(this.#handshakeTimer);
    this.#respond(id, { ok: true, payload: buildHello(this.#runtime, this) });
    this.#runtime.log.debug("client connected", {
      conn: this.id,
      ip: this.remoteAddress,
      client: describeClient(params).id,
      protocol,
      role,
      auth: method,
      ...(user ? { user } : {}),
    });
    this.#runtime.clients.presenceChanged();
  }

  async #request(frame: RequestFrame): Promise<void> {
    const runtime = this.#runtime;
    const refuse = (error: ErrorShape) => this.#respond(frame.id, { ok: false, error });
    if (frame.method === "connect") {
      refuse({ code: ErrorCodes.INVALID_REQUEST, message: "already connected" });
      return;
    }
    if (runtime.shuttingDown) {
      refuse({
        code: ErrorCodes.UNAVAILABLE,
        message: "gateway is shutting down",
        retryable: true,
        retryAfterMs: 1000,
      });
      return;
    }
    if (this.#inflight >= runtime.limits.maxInflightPerConnection) {
      refuse({
        code: ErrorCodes.UNAVAILABLE,
        message: `too many requests in flight (limit ${runtime.limits.maxInflightPerConnection})`,
        retryable: true,
        retryAfterMs: 100,
      });
      return;
    }
    const method = findMethod(frame.method);
    if (!method) {
      // Counted under one label: method names from clients must not grow the series.
      runtime.metrics.inc("openclaw_rpc_requests_total", { method: "(unknown)", code: ErrorCodes.INVALID_REQUEST });
      refuse({ code: ErrorCodes.INVALID_REQUEST, message: `unknown method: ${frame.method}` });
      return;
    }
    if (this.role !== "operator" && !NODE_METHODS.includes(frame.method)) {
      this.#unauthorized(frame.id, { code: ErrorCodes.INVALID_REQUEST, message: `unauthorized role: ${this.role}` });
      return;
    }
    const scope = requiredScope(frame.method);
    // A node has no operator scopes: the methods open to its role are all it may call.
    if (this.role === "operator" && !hasScope(this.scopes, scope)) {
      runtime.metrics.inc("openclaw_rpc_requests_total", { method: frame.method, code: ErrorCodes.FORBIDDEN });
      const message = `missing scope: ${scope}`;
      this.#unauthorized(
        frame.id,
        this.protocol >= 4
          ? {
              code: ErrorCodes.FORBIDDEN,
              message,
              details: { code: ConnectErrorDetailCodes.MISSING_SCOPE, missingScope: scope, requiredScopes: [scope] },
            }
          : { code: ErrorCodes.INVALID_REQUEST, message },
      );
      return;
    }
    this.#unauthorizedStreak = 0;
    let handler: MethodHandler;
    try {
      handler = await method();
    } catch (error) {
      runtime.log.error("method failed", { method: frame.method, error: (error as Error).message });
      refuse({ code: ErrorCodes.UNAVAILABLE, message: `${frame.method} failed: ${(error as Error).message}` });
      return;
    }
    // Checked when the work would start: answers of requests that arrived together fill the queue first.
    if (this.#state !== "open") return;
    if (this.#intakeHeld || this.#congested()) {
      if (!this.#intakeHeld) this.#holdIntake();
      this.#defer(frame);
      return;
    }
    this.#inflight++;
    const started = performance.now();
    let outcome = "ok";
    try {
      const followUp = (result: Promise<unknown>) => {
        this.#inflight++;
        result
          .then(
            (payload) => this.#respond(frame.id, { ok: true, payload }),
            (error: unknown) =>
              this.#respond(frame.id, {
                ok: false,
                error:
                  error instanceof GatewayError
                    ? error.toShape()
                    : { code: ErrorCodes.UNAVAILABLE, message: (error as Error).message },
              }),
          )
          .finally(() => {
            this.#inflight--;
            for (const check of this.#inflightDone) check();
          });
      };
      const result = handler({ runtime, connection: this, params: frame.params ?? {}, followUp });
      // A synchronous answer leaves now, so the next request already sees it in the send queue.
      const payload = result instanceof Promise ? await result : result;
      this.#respond(frame.id, { ok: true, payload });
    } catch (error) {
      outcome = error instanceof GatewayError ? error.code : ErrorCodes.UNAVAILABLE;
      if (error instanceof GatewayError) {
        this.#respond(frame.id, { ok: false, error: error.toShape() });
      } else {
        runtime.log.error("method failed", { method: frame.method, error: (error as Error).message });
        this.#respond(frame.id, {
          ok: false,
          error: { code: ErrorCodes.UNAVAILABLE, message: `${frame.method} failed: ${(error as Error).message}` },
        });
      }
    } finally {
      this.#inflight--;
      for (const check of this.#inflightDone) check();
      runtime.metrics.inc("openclaw_rpc_requests_total", { method: frame.method, code: outcome });
      runtime.metrics.observe(
        "openclaw_rpc_duration_seconds",
        { method: frame.method },
        (performance.now() - started) / 1000,
      );
    }
  }

  #unauthorized(id: FrameId, error: ErrorShape): void {
    this.#respond(id, { ok: false, error });
    if (++this.#unauthorizedStreak > this.#runtime.limits.maxUnauthorizedCalls)
      this.close(CloseCodes.POLICY_VIOLATION, "repeated unauthorized calls");
  }
}

/** A loopback peer with no forwarding headers: a process on this host, not a proxy's client. */
export function isDirectLocal(req: IncomingMessage): boolean {
  const h = req.headers;
  return (
    isLoopbackAddress(normalizeAddress(req.socket.remoteAddress ?? "")) &&
    h["x-forwarded-for"] === undefined &&
    h.forwarded === undefined &&
    h["x-real-ip"] === undefined
  );
}

/**
 * The base URL a client reached the gateway at, for links handed to it (canvas capability URLs): its Host
 * header when that is a plain host[:port], else the local address; https over TLS, or when a proxy on
 * loopback (Tailscale Serve, a local reverse proxy) says so.
 */
export function httpBaseOf(req: IncomingMessage): string {
  const host = req.headers.host;
  const authority =
    host && /^[A-Za-z0-9.\-:[\]]{1,300}$/.test(host) ? host : `127.0.0.1:${req.socket.localPort ?? 18789}`;
  const forwarded = String(req.headers["x-forwarded-proto"] ?? "")
    .split(",")[0]
    ?.trim();
  const tls =
    (req.socket as { encrypted?: boolean }).encrypted === true ||
    (forwarded === "https" && isLoopbackAddress(normalizeAddress(req.socket.remoteAddress ?? "")));
  return `${tls ? "https" : "http"}://${authority}`;
}

/** `::ffff:127.0.0.1` → `127.0.0.1`, so limits and presence see one address per client. */
export function normalizeAddress(address: string): string {
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}
