/**
 * The gateway's side of the browser: it answers `status` and `profiles` itself and relays every other
 * call to the driver process (`driver.ts`), forked on the first call and gone when the last profile's
 * browser stops, so the browser costs the gateway nothing before and after use. A driver that dies fails
 * its calls with the reason; the next call forks a new one.
 * @module
 */
import { fork, type ChildProcess } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findExecutable, reapOrphan } from "./chromium.js";
import type { BrowserMedia } from "./service.js";
import {
  BrowserError,
  browserStatus,
  profileDir,
  profileList,
  profileOf,
  redactCdpUrl,
  type BrowserProfile,
  type BrowserSettings,
} from "./settings.js";

type Pending = {
  resolve: (value: Record<string, unknown>) => void;
  reject: (error: Error) => void;
  /** The driver the call went to: only its exit fails the call. */
  child: ChildProcess;
};

/** What the gateway gives its browser: the state directory, its environment, the settings, a log. */
export interface BrowserClientWorld {
  readonly stateDir: string;
  /** The environment the driver process (and so Chromium) is given a minimal part of. */
  readonly env: Readonly<Record<string, string | undefined>>;
  settings: () => BrowserSettings;
  readonly log: { info(m: string, f?: object): void; warn(m: string, f?: object): void };
}

/** Beside the built chunks (`dist/browser-driver.js`); from source, the TypeScript entry through tsx. */
function driverPath(): { path: string; execArgv: string[] } {
  for (const relative of ["../browser-driver.js", "./browser-driver.js"]) {
    const path = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(path)) return { path, execArgv: [] };
  }
  return { path: fileURLToPath(new URL("./driver.ts", import.meta.url)), execArgv: ["--import", "tsx"] };
}

interface DriverMessage {
  type: string;
  id?: number;
  ok?: boolean;
  result?: Record<string, unknown>;
  error?: { name: string; message: string };
  level?: "info" | "warn";
  msg?: string;
  fields?: object;
  profile?: string;
  running?: boolean;
}

export class BrowserClient {
  #child: ChildProcess | undefined;
  #seq = 0;
  readonly #pending = new Map<number, Pending>();
  /** Profiles whose browser runs, as the driver reports them. */
  readonly #running = new Set<string>();

  constructor(private readonly world: BrowserClientWorld) {}

  get running(): ReadonlySet<string> {
    return this.#running;
  }

  /** Chromiums that a killed gateway left on managed profiles: stopped now (called at gateway start). */
  reapOrphans(): number[] {
    const pids: number[] = [];
    for (const profile of this.world.settings().profiles.filter((p) => !p.attach)) {
      const dir = profileDir(this.world.stateDir, profile.name);
      const pid = reapOrphan(dir, join(dir, "user-data"));
      if (pid) {
        pids.push(pid);
        this.world.log.warn("stopped a browser a previous gateway left running", { profile: profile.name, pid });
      }
    }
    return pids;
  }

  #driver(): ChildProcess {
    if (this.#child) return this.#child;
    const { path, execArgv } = driverPath();
    // Playwright's download artifacts (and Chromium's temporary files) stay in the browser's own directory,
    // where the download size cap is watched.
    const tmp = join(this.world.stateDir, "browser", "tmp");
    mkdirSync(tmp, { recursive: true, mode: 0o700 });
    const child = fork(path, [], {
      execArgv,
      // Only what a browser needs: the gateway's secrets and API keys stay out of the driver and of Chromium.
      env: {
        ...Object.fromEntries(
          ["PATH", "HOME", "DISPLAY", "WAYLAND_DISPLAY", "XDG_RUNTIME_DIR", "LANG", "LC_ALL", "TZ"]
            .filter((name) => this.world.env[name] !== undefined)
            .map((name) => [name, this.world.env[name]]),
        ),
        TMPDIR: tmp,
      },
      stdio: ["ignore", "ignore", "inherit", "ipc"],
      serialization: "advanced",
    });
    child.on("message", (message: DriverMessage) => {
      if (message.type === "log") this.world.log[message.level ?? "info"](message.msg ?? "", message.fields);
      // No browser left and no call of ours on its way: the driver goes, and the next call forks a new one.
      const mine = [...this.#pending.values()].some((p) => p.child === child);
      if (message.type === "idle" && this.#child === child && !mine) {
        this.#child = undefined;
        child.send({ type: "stop" });
      }
      if (message.type === "running" && message.profile && this.#child === child) {
        if (message.running) this.#running.add(message.profile);
        else this.#running.delete(message.profile);
      }
      if (message.type !== "result" || message.id === undefined) return;
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (!pending) return;
      if (message.ok) pending.resolve(message.result ?? {});
      else
        pending.reject(
          message.error?.name === "BrowserError"
            ? new BrowserError(message.error.message)
            : new Error(message.error?.message ?? "failed"),
        );
    });
    child.on("exit", (code, signal) => {
      if (this.#child === child) {
        this.#child = undefined;
        this.#running.clear();
      }
      for (const [id, pending] of this.#pending) {
        if (pending.child !== child) continue;
        pending.reject(
          new BrowserError(`the browser driver exited (${signal ?? `code ${code}`}); the next call starts it again`),
        );
        this.#pending.delete(id);
      }
    });
    child.send({ type: "init", stateDir: this.world.stateDir, settings: this.world.settings() });
    this.#child = child;
    return child;
  }

  async act(args: Record<string, unknown>, media: BrowserMedia): Promise<Record<string, unknown>> {
    const settings = this.world.settings();
    const action = String(args.action ?? "");
    if (action === "profiles") return profileList(settings, this.#running);
    const profile = profileOf(settings, args.profile);
    const running = this.#running.has(profile.name);
    if (action === "doctor") return browserDoctor(settings, profile, this.world.stateDir, running);
    if (action === "status" || (action === "stop" && !running))
      return browserStatus(settings, profile, this.world.stateDir, running);
    if (!settings.enabled) throw new BrowserError("the browser is off (browser.enabled: false)");
    const child = this.#driver();
    const id = ++this.#seq;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, child });
      child.send({ type: "act", id, args, media, settings });
    });
  }

  /** Stops every profile's browser and the driver (the gateway stopping). */
  async stop(): Promise<boolean> {
    const child = this.#child;
    if (!child) return false;
    const exited = new Promise((r) => child.once("exit", r));
    child.send({ type: "stop" });
    await Promise.race([exited, new Promise((r) => setTimeout(r, 6000))]);
    if (child.exitCode === null) child.kill("SIGKILL");
    this.#child = undefined;
    this.#running.clear();
    return true;
  }
}

type Check = { id: string; label: string; status: "pass" | "warn" | "fail" | "info"; summary: string };

/** Whether something accepts connections on 127.0.0.1:`port` (bounded to half a second). */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, timeout: 500 });
    const done = (value: boolean) => {
      socket.destroy();
      resolve(value);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}

/** Upstream's `doctor`: what would stop this profile's browser from working, checked without starting it. */
export async function browserDoctor(
  settings: BrowserSettings,
  profile: BrowserProfile,
  stateDir: string,
  running: boolean,
): Promise<Record<string, unknown>> {
  const checks: Check[] = [];
  if (!settings.enabled)
    checks.push({ id: "enabled", label: "Enabled", status: "fail", summary: "browser.enabled is false" });
  if (profile.attach) {
    const url = new URL(profile.cdpUrl);
    const http = `${url.protocol === "wss:" || url.protocol === "https:" ? "https" : "http"}://${url.host}/json/version`;
    try {
      const res = await fetch(http, { signal: AbortSignal.timeout(1500) });
      const body = (await res.json()) as { Browser?: string };
      checks.push({
        id: "cdp",
        label: "Remote browser",
        status: "pass",
        summary: `${body.Browser ?? "answers"} at ${redactCdpUrl(profile.cdpUrl)}`,
      });
    } catch (error) {
      checks.push({
        id: "cdp",
        label: "Remote browser",
        status: "fail",
        summary: `nothing answers at ${redactCdpUrl(profile.cdpUrl)} (${(error as Error).message}): start it with --remote-debugging-port, check the tunnel or address`,
      });
    }
  } else {
    try {
      checks.push({
        id: "executable",
        label: "Browser",
        status: "pass",
        summary: findExecutable(profile.executablePath),
      });
    } catch (error) {
      checks.push({ id: "executable", label: "Browser", status: "fail", summary: (error as Error).message });
    }
    const dir = profileDir(stateDir, profile.name);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      accessSync(dir, constants.W_OK);
      checks.push({ id: "profile-dir", label: "Profile directory", status: "pass", summary: dir });
    } catch (error) {
      checks.push({
        id: "profile-dir",
        label: "Profile directory",
        status: "fail",
        summary: `${dir}: ${(error as Error).message}`,
      });
    }
    if (running)
      checks.push({
        id: "cdp-port",
        label: "DevTools port",
        status: "pass",
        summary: `${profile.cdpPort}, this gateway's browser`,
      });
    else if (await listening(profile.cdpPort))
      checks.push({
        id: "cdp-port",
        label: "DevTools port",
        status: "fail",
        summary: `${profile.cdpPort} is used by another process: the browser cannot start there (set the profile's cdpPort, or attachOnly to use that browser)`,
      });
    else checks.push({ id: "cdp-port", label: "DevTools port", status: "pass", summary: `${profile.cdpPort} is free` });
    checks.push(
      profile.headless
        ? { id: "display", label: "Display", status: "info", summary: `headless (${profile.headlessSource})` }
        : !settings.hasDisplay
          ? {
              id: "display",
              label: "Display",
              status: "fail",
              summary: "headed, but there is no DISPLAY or WAYLAND_DISPLAY: set browser.headless: true",
            }
          : { id: "display", label: "Display", status: "pass", summary: "headed" },
    );
    checks.push({
      id: "sandbox",
      label: "Sandbox",
      status: settings.noSandbox ? "warn" : "pass",
      summary: settings.noSandbox ? `off (${settings.noSandboxSource})` : "on",
    });
  }
  checks.push({
    id: "ssrf",
    label: "Private addresses",
    status: "info",
    summary: settings.ssrf.allowPrivateNetwork
      ? "allowed (dangerouslyAllowPrivateNetwork)"
      : `refused${settings.ssrf.allowedHostnames.length > 0 ? `, except ${settings.ssrf.allowedHostnames.join(", ")}` : ""}`,
  });
  const status = checks.some((c) => c.status === "fail")
    ? "fail"
    : checks.some((c) => c.status === "warn")
      ? "warn"
      : "pass";
  return { ok: status !== "fail", profile: profile.name, transport: "cdp", checks, status };
}
