/**
 * Managed Chromium: found as upstream finds it (`browser.executablePath`, else the usual install paths),
 * started with upstream's flags on the profile's CDP port with its own user-data directory, and watched:
 * its pid is written beside the profile so a gateway that was killed leaves nothing behind the next one
 * cannot find and stop. Pure process work; driving the browser is `service.ts`.
 * @module
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Upstream's Linux search order (after `browser.executablePath`). */
const LINUX_CANDIDATES = [
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
  "/usr/bin/chrome",
  "/opt/google/chrome/chrome",
  "/usr/bin/brave-browser",
  "/usr/bin/microsoft-edge",
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/lib/chromium/chromium",
  "/snap/bin/chromium",
];
const MAC_CANDIDATES = [
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
  "/Applications/Brave Browser.app/Contents/MacOS/Brave Browser",
  "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
];

export class BrowserLaunchError extends Error {
  override name = "BrowserLaunchError";
}

/** `configured` is `browser.executablePath` with `~` already expanded (by `browserSettings`). */
export function findExecutable(configured: string | undefined): string {
  if (configured) {
    if (!existsSync(configured))
      throw new BrowserLaunchError(
        `browser.executablePath not found: ${configured}. Fix the path, or remove it to use an installed Chromium`,
      );
    return configured;
  }
  const candidates = process.platform === "darwin" ? MAC_CANDIDATES : LINUX_CANDIDATES;
  const found = candidates.find((p) => existsSync(p));
  if (!found)
    throw new BrowserLaunchError(
      "No supported browser found (Chrome, Brave, Edge or Chromium). Install one (Debian: apt-get install -y chromium) or set browser.executablePath",
    );
  return found;
}

export interface LaunchOptions {
  readonly executablePath: string;
  readonly userDataDir: string;
  readonly cdpPort: number;
  readonly headless: boolean;
  readonly noSandbox: boolean;
  readonly extraArgs?: readonly string[];
}

/** Upstream's flags for a managed profile. */
export function launchArgs(o: LaunchOptions): string[] {
  return [
    `--remote-debugging-port=${o.cdpPort}`,
    "--remote-debugging-address=127.0.0.1",
    `--user-data-dir=${o.userDataDir}`,
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-features=Translate,MediaRouter",
    "--disable-session-crashed-bubble",
    "--hide-crash-restore-bubble",
    "--password-store=basic",
    "--no-proxy-server",
    ...(o.headless ? ["--headless=new", "--disable-gpu"] : []),
    ...(o.noSandbox ? ["--no-sandbox", "--disable-setuid-sandbox"] : []),
    ...(process.platform === "linux" ? ["--disable-dev-shm-usage"] : []),
    ...(o.extraArgs ?? []),
    "about:blank",
  ];
}

const pidFile = (profileDir: string) => join(profileDir, "chromium.pid");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A Chromium a previous gateway left running on this profile (it was killed before it could stop it):
 * stopped, so its profile lock and CDP port are free again. Only a process whose command line names this
 * profile's user-data directory is touched.
 */
export function reapOrphan(profileDir: string, userDataDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile(profileDir), "utf8").trim());
  } catch {
    return undefined;
  }
  rmSync(pidFile(profileDir), { force: true });
  if (!Number.isInteger(pid) || pid <= 1 || !alive(pid)) return undefined;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    if (!cmdline.includes(`--user-data-dir=${userDataDir}`)) return undefined;
  } catch {
    return undefined; // not Linux, or gone: leave it alone rather than guess
  }
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  return pid;
}

/** Chromium's `Singleton*` locks left by a browser that is dead: removed, as upstream does once. */
export function clearStaleLocks(userDataDir: string): void {
  const lock = join(userDataDir, "SingletonLock");
  let target: string;
  try {
    target = readlinkSync(lock); // "<hostname>-<pid>"
  } catch {
    return;
  }
  const pid = Number(target.split("-").at(-1));
  if (Number.isInteger(pid) && pid > 0 && alive(pid)) return;
  for (const name of ["SingletonLock", "SingletonSocket", "SingletonCookie"])
    rmSync(join(userDataDir, name), { force: true });
}

export interface LaunchedBrowser {
  readonly process: ChildProcess;
  readonly cdpUrl: string;
  /** Resolves when the process exits (crashed, killed, or stopped). */
  readonly exited: Promise<void>;
}

/** Starts Chromium and waits until its CDP endpoint answers (bounded). */
export async function launchChromium(
  o: LaunchOptions & { profileDir: string; readyTimeoutMs?: number },
): Promise<LaunchedBrowser> {
  mkdirSync(o.userDataDir, { recursive: true, mode: 0o700 });
  mkdirSync(o.profileDir, { recursive: true, mode: 0o700 });
  reapOrphan(o.profileDir, o.userDataDir);
  clearStaleLocks(o.userDataDir);
  // Its output goes to a file, not a pipe: a pipe would break (and the browser die at a random moment) when
  // a killed gateway's end of it closes; the orphan is then stopped deliberately by the next start.
  const logPath = join(o.profileDir, "chromium.log");
  const log = openSync(logPath, "w", 0o600);
  const child = spawn(o.executablePath, launchArgs(o), {
    stdio: ["ignore", "ignore", log],
    // Its own process group: the whole browser (renderers, GPU process) can be stopped at once.
    detached: true,
  });
  closeSync(log);
  const stderrTail = () => {
    try {
      return readFileSync(logPath, "utf8").slice(-4000);
    } catch {
      return "";
    }
  };
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  if (child.pid) writeFileSync(pidFile(o.profileDir), `${child.pid}\n`, { mode: 0o600 });
  const cdpUrl = `http://127.0.0.1:${o.cdpPort}`;
  const deadline = Date.now() + (o.readyTimeoutMs ?? 15_000);
  while (Date.now() < deadline) {
    if (gone) {
      const stderr = stderrTail();
      throw new BrowserLaunchError(
        `Chromium exited at start: ${stderr.trim().split("\n").slice(-3).join(" ") || "no output"}${/as root without --no-sandbox/.test(stderr) ? " (set browser.noSandbox: true)" : ""} (log: ${logPath})`,
      );
    }
    try {
      const res = await fetch(`${cdpUrl}/json/version`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return { process: child, cdpUrl, exited };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  stopChromium(child);
  throw new BrowserLaunchError(
    `Chromium did not open its DevTools port ${o.cdpPort} within ${(o.readyTimeoutMs ?? 15_000) / 1000} s (is the port used by another process?)`,
  );
}

/** Kills the browser's whole process group. */
export function stopChromium(child: ChildProcess): void {
  if (!child.pid || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
}

export function forgetPid(profileDir: string): void {
  rmSync(pidFile(profileDir), { force: true });
}
