/**
 * The gateway's side of the browser: it answers `status` itself and relays every other call to the
 * driver process (`driver.ts`), forked on the first call and gone when the browser stops, so the browser
 * costs the gateway nothing before and after use. A driver that dies fails its calls with the reason; the
 * next call forks a new one.
 * @module
 */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { reapOrphan } from "./chromium.js";
import { BrowserError, browserStatus, DEFAULT_PROFILE, type BrowserWorld } from "./service.js";

type Pending = { resolve: (value: Record<string, unknown>) => void; reject: (error: Error) => void };

/** Beside the built chunks (`dist/browser-driver.js`); from source, the TypeScript entry through tsx. */
function driverPath(): { path: string; execArgv: string[] } {
  for (const relative of ["../browser-driver.js", "./browser-driver.js"]) {
    const path = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(path)) return { path, execArgv: [] };
  }
  return { path: fileURLToPath(new URL("./driver.ts", import.meta.url)), execArgv: ["--import", "tsx"] };
}

export class BrowserClient {
  #child: ChildProcess | undefined;
  #seq = 0;
  readonly #pending = new Map<number, Pending>();

  constructor(private readonly world: BrowserWorld) {}

  get profileDir(): string {
    return join(this.world.stateDir, "browser", DEFAULT_PROFILE);
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** A Chromium that a killed gateway left on this profile: stopped now (called at gateway start). */
  reapOrphan(): number | undefined {
    const pid = reapOrphan(this.profileDir, join(this.profileDir, "user-data"));
    if (pid) this.world.log.warn("stopped a browser a previous gateway left running", { pid });
    return pid;
  }

  #driver(): ChildProcess {
    if (this.#child) return this.#child;
    const { path, execArgv } = driverPath();
    const child = fork(path, [], {
      execArgv,
      // Only what a browser needs: the gateway's secrets and API keys stay out of the driver and of Chromium.
      env: Object.fromEntries(
        ["PATH", "HOME", "DISPLAY", "WAYLAND_DISPLAY", "XDG_RUNTIME_DIR", "LANG", "LC_ALL", "TZ", "TMPDIR"]
          .filter((name) => this.world.env[name] !== undefined)
          .map((name) => [name, this.world.env[name]]),
      ),
      stdio: ["ignore", "ignore", "inherit", "ipc"],
      serialization: "advanced",
    });
    child.on(
      "message",
      (message: {
        type: string;
        id?: number;
        ok?: boolean;
        result?: Record<string, unknown>;
        error?: { name: string; message: string };
        level?: "info" | "warn";
        msg?: string;
        fields?: object;
      }) => {
        if (message.type === "log") this.world.log[message.level ?? "info"](message.msg ?? "", message.fields);
        if (message.type !== "result" || message.id === undefined) return;
        const pending = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (!pending) return;
        if (message.ok) pending.resolve(message.result ?? {});
        else {
          const error =
            message.error?.name === "BrowserError"
              ? new BrowserError(message.error.message)
              : new Error(message.error?.message ?? "failed");
          pending.reject(error);
        }
      },
    );
    child.on("exit", (code, signal) => {
      if (this.#child === child) this.#child = undefined;
      for (const [id, pending] of this.#pending) {
        pending.reject(
          new BrowserError(`the browser driver exited (${signal ?? `code ${code}`}); the next call starts it again`),
        );
        this.#pending.delete(id);
      }
    });
    child.send({
      type: "init",
      stateDir: this.world.stateDir,
      cdpPort: this.world.cdpPort,
      settings: this.world.settings(),
    });
    this.#child = child;
    return child;
  }

  async act(args: Record<string, unknown>, media: { dir: string }): Promise<Record<string, unknown>> {
    const settings = this.world.settings();
    const action = String(args.action ?? "");
    if (action === "status")
      return { ...browserStatus(settings, this.world.cdpPort, this.profileDir), running: this.running };
    if (action === "stop") {
      await this.stop();
      return { ...browserStatus(settings, this.world.cdpPort, this.profileDir), running: false };
    }
    if (!settings.enabled) throw new BrowserError("the browser is off (browser.enabled: false)");
    const child = this.#driver();
    const id = ++this.#seq;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      child.send({ type: "act", id, args, mediaDir: media.dir, settings });
    });
  }

  /** Stops the browser and its driver (the gateway stopping, or `stop`). */
  async stop(): Promise<boolean> {
    const child = this.#child;
    if (!child) return false;
    const exited = new Promise((r) => child.once("exit", r));
    child.send({ type: "stop" });
    await Promise.race([exited, new Promise((r) => setTimeout(r, 6000))]);
    if (child.exitCode === null) child.kill("SIGKILL");
    this.#child = undefined;
    return true;
  }
}
