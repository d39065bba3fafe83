/**
 * The listening side: one HTTP server per bind address sharing one handler, WebSocket upgrades with
 * origin and connection checks, ticks, and an orderly stop (announce, stop accepting, drain, close).
 * @module
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { CloseCodes } from "../protocol/errors.js";
import { GatewayConnection, normalizeAddress } from "./connection.js";
import { createRequestHandler } from "./http.js";
import { checkOrigin } from "./origin.js";
import type { GatewayRuntime } from "./runtime.js";

/** An unauthenticated socket younger than this is mid-handshake, not idle. */
const PREAUTH_GRACE_MS = 1000;
/** Beyond the cap times this, new unauthenticated sockets are refused outright (a hard memory bound). */
const PREAUTH_HARD_FACTOR = 8;

const TIMEOUT_CHECK_INTERVAL_MS = 500;

export class ListenError extends Error {
  override name = "ListenError";
  constructor(
    message: string,
    readonly code: string,
    readonly host: string,
    readonly port: number,
  ) {
    super(message);
  }
}

function rawReject(socket: Duplex, status: number, text: string, body: string): void {
  socket.on("error", () => undefined);
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

const CLIENT_ERRORS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: "431 Request Header Fields Too Large",
  ERR_HTTP_REQUEST_TIMEOUT: "408 Request Timeout",
  HPE_HEADERS_TIMEOUT: "408 Request Timeout",
};

/** Answers a request the HTTP parser rejected, then drops the socket (a slow sender must not hold it). */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status = CLIENT_ERRORS[error.code ?? ""] ?? "400 Bad Request";
  socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
  setTimeout(() => socket.destroy(), 1000).unref();
}

export class GatewayServer {
  readonly #runtime: GatewayRuntime;
  readonly #connections = new Map<string, GatewayConnection>();
  #servers: Server[] = [];
  #wss: WebSocketServer | undefined;
  #tick: NodeJS.Timeout | undefined;

  constructor(runtime: GatewayRuntime) {
    this.#runtime = runtime;
  }

  get connections(): GatewayConnection[] {
    return [...this.#connections.values()];
  }

  /** Listens on every bind address; the first must succeed, the others (IPv6 loopback) are best effort. */
  async listen(): Promise<string[]> {
    const runtime = this.#runtime;
    const { port } = runtime.settings;
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: runtime.limits.maxPayload,
      perMessageDeflate: false,
      clientTracking: false,
    });
    const handler = createRequestHandler(runtime);
    const listening: string[] = [];
    const options = {
      // Node notices an expired timeout only at its next check: the interval is taken off, so the stated
      // limit is when a slow client is really cut off, not when it may start to be.
      headersTimeout: runtime.limits.headersTimeoutMs - TIMEOUT_CHECK_INTERVAL_MS,
      requestTimeout: runtime.limits.requestTimeoutMs - TIMEOUT_CHECK_INTERVAL_MS,
      maxHeaderSize: runtime.limits.maxHeaderBytes,
      // Node checks the two timeouts above only this often (30 s by default).
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
      keepAliveTimeout: 5000,
    };
    const tls = runtime.settings.tls ? readTlsFiles(runtime.settings.tls) : undefined;
    for (const [index, host] of runtime.bind.hosts.entries()) {
      const server: Server = tls ? createHttpsServer({ ...options, ...tls }, handler) : createServer(options, handler);
      server.on("upgrade", (req, socket, head) => this.#upgrade(req, socket, head));
      server.on("clientError", (error: NodeJS.ErrnoException, socket) => answerClientError(error, socket));
      try {
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen({ host, port, exclusive: true }, () => {
            server.off("error", reject);
            resolve();
          });
        });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? "UNKNOWN";
        if (index === 0) {
          await this.#closeServers();
          throw new ListenError(
            `cannot listen on ${host.includes(":") ? `[${host}]` : host}:${port}: ${code}`,
            code,
            host,
            port,
          );
        }
        runtime.log.warn(`not listening on [${host}]:${port} (${code}); IPv4 loopback is enough for local clients`);
        continue;
      }
      server.on("error", (error) => runtime.log.error("server error", { host, error: error.message }));
      this.#servers.push(server);
      listening.push(host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`);
    }
    this.#tick = setInterval(
      () => runtime.clients.broadcast("tick", { ts: Date.now() }, { dropIfSlow: true }),
      runtime.limits.tickIntervalMs,
    );
    this.#tick.unref();
    return listening;
  }

  /** Closes the connections that authenticated with the shared secret (it changed): code 4001. */
  closeSharedAuthClients(): void {
    for (const connection of this.#connections.values()) {
      if (connection.authenticated && connection.authMethod !== "none")
        connection.close(CloseCodes.AUTH_CHANGED, "gateway auth changed");
    }
  }

  /**
   * Stops: announce `shutdown`, stop accepting, let requests in flight finish (bounded), then close
   * every socket with 1012. Used for exit and for in-process restarts.
   */
  async stop(reason: string, restartExpectedMs?: number): Promise<void> {
    const runtime = this.#runtime;
    runtime.clients.broadcast("shutdown", {
      reason,
      ...(restartExpectedMs !== undefined ? { restartExpectedMs } : {}),
    });
    for (const server of this.#servers) {
      server.close();
      server.closeIdleConnections();
    }
    clearInterval(this.#tick);
    runtime.clients.stop();
    await Promise.all(this.connections.map((c) => c.drain(runtime.limits.drainTimeoutMs)));
    for (const connection of this.connections) connection.close(CloseCodes.SERVICE_RESTART, "service restart");
    await this.#closeServers();
  }

  async #closeServers(): Promise<void> {
    const servers = this.#servers;
    this.#servers = [];
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
            if (!server.listening) resolve();
          }),
      ),
    );
    this.#wss?.close();
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const runtime = this.#runtime;
    socket.on("error", () => undefined);
    if (runtime.shuttingDown || !this.#wss)
      return rawReject(socket, 503, "Service Unavailable", "gateway is shutting down");
    if (this.#connections.size >= runtime.limits.maxConnections)
      return rawReject(socket, 503, "Service Unavailable", "Too many connections");
    const controlUi = runtime.snapshot.config.gateway?.controlUi;
    const origin = checkOrigin(req.headers.origin, req.headers.host, controlUi?.allowedOrigins ?? [], {
      hostHeaderFallback: controlUi?.dangerouslyAllowHostHeaderOriginFallback,
    });
    if (!origin.ok) {
      runtime.log.warn("websocket origin refused", {
        origin: req.headers.origin,
        ip: normalizeAddress(req.socket.remoteAddress ?? ""),
      });
      return rawReject(
        socket,
        403,
        "Forbidden",
        `${origin.reason} (open the Control UI from the gateway host or allow it in gateway.controlUi.allowedOrigins)`,
      );
    }
    if (!this.#makeRoomForUnauthenticated(normalizeAddress(req.socket.remoteAddress ?? "unknown"))) {
      return rawReject(socket, 503, "Service Unavailable", "Too many unauthenticated sockets");
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = new GatewayConnection(ws, req, runtime, (closed) => {
        if (this.#connections.delete(closed.id) && runtime.clients.remove(closed.id) && closed.wasAuthenticated)
          runtime.clients.presenceChanged();
      });
      this.#connections.set(connection.id, connection);
      runtime.clients.add(connection);
      connection.start();
    });
  }

  /**
   * Idle unauthenticated sockets never lock out a real client: when an address (or the gateway) is at its
   * cap, the oldest socket that has been waiting for more than a second is closed to make room. Sockets
   * younger than that are mid-handshake; up to a hard cap they are let through, beyond it refused.
   * Returns false when the new socket must be refused.
   */
  #makeRoomForUnauthenticated(address: string): boolean {
    const { maxPreauthPerAddress, maxPreauthTotal } = this.#runtime.limits;
    const now = Date.now();
    let total = 0;
    let fromAddress = 0;
    let idleAny: GatewayConnection | undefined;
    let idleHere: GatewayConnection | undefined;
    for (const connection of this.#connections.values()) {
      if (!connection.pending) continue;
      total++;
      const idle = now - connection.openedAt >= PREAUTH_GRACE_MS;
      if (idle) idleAny ??= connection;
      if (connection.remoteAddress === address) {
        fromAddress++;
        if (idle) idleHere ??= connection;
      }
    }
    if (fromAddress >= maxPreauthPerAddress) {
      if (idleHere) idleHere.close(CloseCodes.POLICY_VIOLATION, "too many unauthenticated sockets");
      else if (fromAddress >= maxPreauthPerAddress * PREAUTH_HARD_FACTOR) return false;
    } else if (total >= maxPreauthTotal) {
      if (idleAny) idleAny.close(CloseCodes.POLICY_VIOLATION, "too many unauthenticated sockets");
      else if (total >= maxPreauthTotal * PREAUTH_HARD_FACTOR) return false;
    }
    return true;
  }
}

function readTlsFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ListenError(
      `cannot read the TLS ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      "TLS_FILE",
      "",
      0,
    );
  }
}

/** The certificate and key for HTTPS/WSS; a file that cannot be read stops the start with its path. */
function readTlsFiles(paths: { certPath: string; keyPath: string }): { cert: Buffer; key: Buffer } {
  return { cert: readTlsFile(paths.certPath, "certificate"), key: readTlsFile(paths.keyPath, "key") };
}
