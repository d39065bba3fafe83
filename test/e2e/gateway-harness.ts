/** Starts the built gateway as a real process in a temporary HOME on a free loopback port. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { GatewayClient, type GatewayClientOptions } from "../../src/client/gateway-client.js";
import { BIN, makeHome, type Home } from "./harness.js";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RunningGateway {
  readonly home: Home;
  readonly port: number;
  readonly url: string;
  readonly http: string;
  readonly stateDir: string;
  readonly configPath: string;
  readonly proc: ChildProcess;
  token(): string | undefined;
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  client(options?: Partial<GatewayClientOptions>): Promise<GatewayClient>;
}

export interface StartOptions {
  home?: Home;
  config?: Record<string, unknown>;
  args?: string[];
  env?: Record<string, string>;
  port?: number;
  /** Wait for readiness (default) or return right after spawning. */
  waitReady?: boolean;
  /** Node flags before the script (the service definitions' flags, for memory measurements). */
  nodeFlags?: readonly string[];
}

export async function startGateway(options: StartOptions = {}): Promise<RunningGateway> {
  const home = options.home ?? makeHome();
  const port = options.port ?? (await freePort());
  const stateDir = options.env?.OPENCLAW_STATE_DIR ?? join(home.dir, ".openclaw");
  const configPath = join(stateDir, "openclaw.json");
  if (options.config) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    writeFileSync(configPath, JSON.stringify(options.config, null, 2), { mode: 0o600 });
  }
  const proc = spawn(
    process.execPath,
    [...(options.nodeFlags ?? []), BIN, "gateway", "--port", String(port), ...(options.args ?? [])],
    {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home.dir, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  proc.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on("exit", (code, signal) => resolve({ code, signal })),
  );
  let exitedAlready = false;
  void exit.then(() => (exitedAlready = true));
  const gw: RunningGateway = {
    home,
    port,
    url: `ws://127.0.0.1:${port}`,
    http: `http://127.0.0.1:${port}`,
    stateDir,
    configPath,
    proc,
    token: () => {
      try {
        return (JSON.parse(readFileSync(configPath, "utf8")) as { gateway?: { auth?: { token?: string } } }).gateway
          ?.auth?.token;
      } catch {
        return undefined;
      }
    },
    output: () => output,
    async waitForOutput(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (exitedAlready) throw new Error(`gateway exited while waiting for ${pattern}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${output}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    exited: () => exit,
    async stop(signal = "SIGTERM") {
      if (!exitedAlready) proc.kill(signal);
      const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      const result = await exit;
      clearTimeout(timer);
      return result;
    },
    async client(extra = {}) {
      const client = new GatewayClient({
        url: gw.url,
        token: gw.token(),
        version: "test",
        clientId: "test",
        clientMode: "test",
        ...extra,
      });
      await client.connect();
      return client;
    },
  };
  if (options.waitReady !== false) await gw.waitForOutput(/ready in \d+ ms/);
  return gw;
}
