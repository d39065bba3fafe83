/**
 * `browser.*` read into what the browser needs, with upstream's defaults: the profiles (the managed
 * `openclaw` one, more managed ones on their own CDP ports, and remote ones reached by `cdpUrl` or marked
 * `attachOnly`), headless where there is no display, no sandbox only as root, the SSRF policy, and the
 * status object `status` answers. Pure but for the executable search in `browserStatus`.
 * @module
 */
import { join } from "node:path";
import { isLoopbackAddress } from "../config/bind.js";
import { findExecutable } from "./chromium.js";
import { ssrfPolicy, type SsrfPolicy } from "./ssrf.js";

export const DEFAULT_PROFILE = "openclaw";
/** Upstream's profile names. */
export const PROFILE_NAME = /^[a-z0-9-]{1,64}$/;
/** How many CDP ports managed profiles may take from the base (upstream: control + 9 … control + 108). */
const CDP_PORT_RANGE = 100;

/** A failure the caller (the model, the CLI's user) can act on: its message says what to do. */
export class BrowserError extends Error {
  override name = "BrowserError";
}

export interface BrowserProfile {
  readonly name: string;
  /** Attached to a browser someone else runs (a remote `cdpUrl`, or `attachOnly`): never launched or killed. */
  readonly attach: boolean;
  readonly cdpPort: number;
  readonly cdpUrl: string;
  readonly executablePath?: string | undefined;
  readonly headless: boolean;
  readonly headlessSource: string;
  /** Why this profile cannot be used here (upstream's `existing-session` and `extension` drivers). */
  readonly unsupported?: string | undefined;
}

export interface BrowserSettings {
  readonly enabled: boolean;
  /** A display to show a headed browser on (`DISPLAY`/`WAYLAND_DISPLAY` on Linux; always elsewhere). */
  readonly hasDisplay: boolean;
  readonly evaluateEnabled: boolean;
  readonly defaultProfile: string;
  readonly profiles: readonly BrowserProfile[];
  readonly noSandbox: boolean;
  readonly noSandboxSource: string;
  readonly idleMs: number;
  readonly ssrf: SsrfPolicy;
  readonly extraArgs: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

const expandHome = (path: unknown, env: Env) =>
  typeof path === "string" ? (path.startsWith("~/") ? join(env.HOME ?? "", path.slice(2)) : path) : undefined;

/** The port a CDP URL names (its scheme's default when it names none). */
function portOf(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === "https:" || url.protocol === "wss:" ? 443 : 80;
}

/**
 * `cdpBasePort`: the managed `openclaw` profile's port (gateway + 11, as upstream's control + 9); other
 * managed profiles without a `cdpPort` take the next free ports after it, in the order the config lists them.
 */
export function browserSettings(
  config: Record<string, unknown> | undefined,
  env: Env,
  cdpBasePort: number,
): BrowserSettings {
  const c = config ?? {};
  const noDisplay = process.platform === "linux" && !env.DISPLAY && !env.WAYLAND_DISPLAY;
  const headlessOf = (profile: Record<string, unknown>) =>
    env.OPENCLAW_BROWSER_HEADLESS !== undefined
      ? { value: env.OPENCLAW_BROWSER_HEADLESS !== "0", source: "OPENCLAW_BROWSER_HEADLESS" }
      : typeof profile.headless === "boolean"
        ? { value: profile.headless, source: "profile headless" }
        : typeof c.headless === "boolean"
          ? { value: c.headless, source: "browser.headless" }
          : { value: noDisplay, source: noDisplay ? "linux-display-fallback" : "default" };
  const root = process.getuid?.() === 0;
  const noSandbox =
    typeof c.noSandbox === "boolean"
      ? { value: c.noSandbox, source: "browser.noSandbox" }
      : { value: root, source: root ? "running as root (Chromium's sandbox refuses root)" : "default" };
  const idleMinutes = typeof c.idleMinutes === "number" && c.idleMinutes > 0 ? c.idleMinutes : 10;

  const declared = (c.profiles && typeof c.profiles === "object" ? c.profiles : {}) as Record<
    string,
    Record<string, unknown>
  >;
  const entries: [string, Record<string, unknown>][] = Object.entries(declared).filter(([name]) =>
    PROFILE_NAME.test(name),
  );
  if (!entries.some(([name]) => name === DEFAULT_PROFILE)) entries.unshift([DEFAULT_PROFILE, {}]);
  // The legacy single-profile `browser.cdpUrl` applies to the default profile when it names none itself.
  const legacyUrl = typeof c.cdpUrl === "string" ? c.cdpUrl : undefined;

  const taken = new Set<number>();
  const planned = entries.map(([name, p]) => {
    const rawUrl = typeof p.cdpUrl === "string" ? p.cdpUrl : name === DEFAULT_PROFILE ? legacyUrl : undefined;
    let url: URL | undefined;
    try {
      url = rawUrl ? new URL(rawUrl) : undefined;
    } catch {
      url = undefined; // the schema refuses it; a profile without a URL is then managed
    }
    const loopbackUrl = url
      ? isLoopbackAddress(url.hostname.replace(/^\[|\]$/g, "")) || url.hostname === "localhost"
      : true;
    const attach = p.attachOnly === true || c.attachOnly === true || (url !== undefined && !loopbackUrl);
    const port = typeof p.cdpPort === "number" ? p.cdpPort : url ? portOf(url) : undefined;
    if (port !== undefined) taken.add(port);
    return { name, p, url, attach, port };
  });
  let next = cdpBasePort;
  const freePort = () => {
    while (taken.has(next) && next < cdpBasePort + CDP_PORT_RANGE) next += 1;
    taken.add(next);
    return next;
  };
  const profiles = planned.map(({ name, p, url, attach, port }): BrowserProfile => {
    const cdpPort = port ?? freePort();
    const headless = headlessOf(p);
    const driver = typeof p.driver === "string" ? p.driver : "openclaw";
    return {
      ...(driver !== "openclaw" && driver !== "clawd" && !url
        ? {
            unsupported: `profile ${name} uses driver ${driver} (Chrome DevTools MCP or the extension relay), which this gateway does not have: start that browser with --remote-debugging-port and give the profile cdpUrl and attachOnly: true`,
          }
        : {}),
      name,
      attach,
      cdpPort,
      cdpUrl: url && attach ? url.href : `http://127.0.0.1:${cdpPort}`,
      executablePath: expandHome(p.executablePath ?? c.executablePath, env),
      headless: headless.value,
      headlessSource: headless.source,
    };
  });
  const wanted = typeof c.defaultProfile === "string" ? c.defaultProfile : DEFAULT_PROFILE;
  return {
    enabled: c.enabled !== false,
    hasDisplay: !noDisplay,
    evaluateEnabled: c.evaluateEnabled !== false,
    defaultProfile: profiles.some((p) => p.name === wanted) ? wanted : DEFAULT_PROFILE,
    profiles,
    noSandbox: noSandbox.value,
    noSandboxSource: noSandbox.source,
    idleMs: idleMinutes * 60_000,
    ssrf: ssrfPolicy(c.ssrfPolicy as Record<string, unknown> | undefined),
    extraArgs: Array.isArray(c.extraArgs) ? c.extraArgs.map(String) : [],
  };
}

/** The profile a call names (`profile`), or the default one. */
export function profileOf(settings: BrowserSettings, name: unknown): BrowserProfile {
  const wanted = typeof name === "string" && name ? name : settings.defaultProfile;
  const profile = settings.profiles.find((p) => p.name === wanted);
  if (!profile)
    throw new BrowserError(
      `no browser profile ${JSON.stringify(wanted)}; profiles: ${settings.profiles.map((p) => p.name).join(", ")} (add one under browser.profiles)`,
    );
  if (profile.unsupported) throw new BrowserError(profile.unsupported);
  return profile;
}

/** Where a profile keeps its Chromium data, pid, log, screenshots and downloads. */
export const profileDir = (stateDir: string, profile: string) => join(stateDir, "browser", profile);

/** A CDP URL as it may be shown: credentials and tokens replaced. */
export function redactCdpUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.username || url.password) {
      url.username = "***";
      url.password = "";
    }
    const keys = new Set(url.searchParams.keys()); // a copy: the loop changes the params
    for (const key of keys) url.searchParams.set(key, "***");
    return url.href;
  } catch {
    return "(invalid URL)";
  }
}

/** The status object upstream's `status` answers. */
export function browserStatus(
  settings: BrowserSettings,
  profile: BrowserProfile,
  stateDir: string,
  running: boolean,
): Record<string, unknown> {
  let detected: string | undefined;
  let detectError: string | undefined;
  if (!profile.attach) {
    try {
      detected = findExecutable(profile.executablePath);
    } catch (error) {
      detectError = (error as Error).message;
    }
  }
  return {
    enabled: settings.enabled,
    profile: profile.name,
    driver: profile.attach ? "remote" : "openclaw",
    transport: "cdp",
    running,
    cdpPort: profile.cdpPort,
    cdpUrl: redactCdpUrl(profile.cdpUrl),
    ...(profile.attach ? {} : { detectedExecutablePath: detected ?? null }),
    ...(detectError ? { detectError } : {}),
    ...(profile.attach ? {} : { userDataDir: join(profileDir(stateDir, profile.name), "user-data") }),
    headless: profile.headless,
    headlessSource: profile.headlessSource,
    noSandbox: settings.noSandbox,
    noSandboxSource: settings.noSandboxSource,
    attachOnly: profile.attach,
    color: "#FF4500",
  };
}

/** Upstream's `profiles` answer. */
export function profileList(settings: BrowserSettings, running: ReadonlySet<string>): Record<string, unknown> {
  return {
    profiles: settings.profiles.map((p) => ({
      name: p.name,
      transport: "cdp",
      cdpPort: p.cdpPort,
      cdpUrl: redactCdpUrl(p.cdpUrl),
      color: "#FF4500",
      driver: p.attach ? "remote" : "openclaw",
      running: running.has(p.name),
      isDefault: p.name === settings.defaultProfile,
      isRemote: p.attach,
    })),
  };
}
