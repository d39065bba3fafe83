/**
 * A minimal WebSocket client on a raw TCP socket, for what a well-behaved client library will not do:
 * stop reading, send oversized or malformed frames, inspect the upgrade response and close codes.
 */
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

export interface RawFrame {
  opcode: number;
  payload: Buffer;
}

export class RawWs {
  readonly socket: Socket;
  readonly frames: RawFrame[] = [];
  closeCode: number | undefined;
  closeReason = "";
  ended = false;
  #buffer = Buffer.alloc(0);
  #waiters: (() => void)[] = [];

  private constructor(socket: Socket) {
    this.socket = socket;
  }

  /** Upgrades; resolves with the socket, or rejects with the HTTP status line when refused. */
  static open(
    port: number,
    options: { origin?: string; host?: string; headers?: Record<string, string> } = {},
  ): Promise<RawWs> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      const ws = new RawWs(socket);
      let head = Buffer.alloc(0);
      let upgraded = false;
      socket.on("error", (error) => (upgraded ? undefined : reject(error)));
      socket.on("connect", () => {
        const key = randomBytes(16).toString("base64");
        socket.write(
          [
            "GET / HTTP/1.1",
            `Host: ${options.host ?? `127.0.0.1:${port}`}`,
            "Upgrade: websocket",
            "Connection: Upgrade",
            `Sec-WebSocket-Key: ${key}`,
            "Sec-WebSocket-Version: 13",
            ...(options.origin ? [`Origin: ${options.origin}`] : []),
            ...Object.entries(options.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
            "",
            "",
          ].join("\r\n"),
        );
      });
      socket.on("data", (chunk: Buffer) => {
        if (upgraded) {
          ws.#onData(chunk);
          return;
        }
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        const status = head.subarray(0, head.indexOf("\r\n")).toString();
        if (!status.includes(" 101 ")) {
          reject(new Error(`${status} ${head.subarray(end + 4).toString()}`));
          socket.destroy();
          return;
        }
        upgraded = true;
        resolve(ws);
        if (head.length > end + 4) ws.#onData(head.subarray(end + 4));
      });
      socket.on("close", () => {
        ws.ended = true;
        ws.#wake();
      });
    });
  }

  /** Upgrades, waits for the challenge and authenticates with `token` (protocol 4). */
  static async openAuthenticated(port: number, token: string | undefined): Promise<RawWs> {
    const ws = await RawWs.open(port);
    await ws.waitFor(() => ws.messages().length > 0);
    ws.sendJson({
      type: "req",
      id: "c",
      method: "connect",
      params: { minProtocol: 4, maxProtocol: 4, auth: { token } },
    });
    await ws.waitFor(() => ws.messages().some((m) => m.id === "c"));
    return ws;
  }

  /** Sends a masked frame (client frames must be masked). */
  sendFrame(opcode: number, payload: Buffer): void {
    const mask = randomBytes(4);
    const length = payload.length;
    const header =
      length < 126
        ? Buffer.from([0x80 | opcode, 0x80 | length])
        : length < 65536
          ? Buffer.from([0x80 | opcode, 0x80 | 126, length >> 8, length & 255])
          : (() => {
              const h = Buffer.alloc(10);
              h[0] = 0x80 | opcode;
              h[1] = 0x80 | 127;
              h.writeBigUInt64BE(BigInt(length), 2);
              return h;
            })();
    const masked = Buffer.alloc(length);
    for (let i = 0; i < length; i++) masked[i] = payload[i]! ^ mask[i % 4]!;
    this.socket.write(Buffer.concat([header, mask, masked]));
  }

  sendText(text: string): void {
    this.sendFrame(1, Buffer.from(text));
  }

  sendJson(value: unknown): void {
    this.sendText(JSON.stringify(value));
  }

  /** Text frames received so far, parsed. */
  messages(): Record<string, unknown>[] {
    return this.frames
      .filter((f) => f.opcode === 1)
      .map((f) => JSON.parse(f.payload.toString()) as Record<string, unknown>);
  }

  /** Waits until `predicate` holds or the socket ends (bounded). */
  async waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (this.ended || Date.now() > deadline) return predicate();
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return true;
  }

  async waitForClose(timeoutMs = 5000): Promise<{ code: number | undefined; reason: string }> {
    await this.waitFor(() => this.ended || this.closeCode !== undefined, timeoutMs);
    return { code: this.closeCode, reason: this.closeReason };
  }

  destroy(): void {
    this.socket.destroy();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  #onData(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      if (this.#buffer.length < 2) break;
      const opcode = this.#buffer[0]! & 0x0f;
      let length = this.#buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.#buffer.length < 4) break;
        length = this.#buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.#buffer.length < 10) break;
        length = Number(this.#buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.#buffer.length < offset + length) break;
      const payload = this.#buffer.subarray(offset, offset + length);
      this.#buffer = this.#buffer.subarray(offset + length);
      this.frames.push({ opcode, payload: Buffer.from(payload) });
      if (opcode === 8) {
        this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        this.closeReason = payload.subarray(2).toString();
      }
    }
    this.#wake();
  }
}
